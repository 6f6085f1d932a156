/** Row filters of subscriptions ({@code "filter":"status=eq.paid"}), as clients write them. */
package io.plank.domain.filter;
