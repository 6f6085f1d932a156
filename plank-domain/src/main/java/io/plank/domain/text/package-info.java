/** Text as Plank quotes it in messages to clients and in its log. */
package io.plank.domain.text;
