/** The grants and row bindings stored through the admin API. */
package io.plank.persistence.access;
