/** A fresh PostgreSQL database per test run: Testcontainers where Docker runs, a local server otherwise. */
package io.plank.testsupport.db;
