/** The admin API for choosing which tables Plank captures, and how. */
package io.plank.web.tables;
