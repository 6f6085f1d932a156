/** Plank's HTTP face: the JAX-RS application and the data source it and JPA use. */
package io.plank.web;
