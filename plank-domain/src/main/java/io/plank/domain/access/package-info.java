/** Who may read and write which captured table, and which rows of it: grants, row bindings and the policy made of them. */
package io.plank.domain.access;
