/** The run command: Plank on a real server on its default ports, against a local database, until Ctrl-C. */
package io.plank.run;
