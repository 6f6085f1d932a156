/** Where Plank's database is and how Plank connects to it, read from MicroProfile Config. */
package io.plank.persistence.db;
