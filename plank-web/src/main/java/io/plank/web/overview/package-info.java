/** What this instance is doing, read once per question and mapped by status, metrics and the MXBeans. */
package io.plank.web.overview;
