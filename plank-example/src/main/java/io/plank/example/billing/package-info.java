/**
 * A billing service deployed beside Plank, to copy: {@link io.plank.example.billing.BillingConsumer} starts an
 * exactly-once consumer of the {@code orders} table at deployment, and {@link io.plank.example.billing.Invoicing}
 * writes an invoice for each paid order in the container-managed transaction that also moves the consumer's position.
 */
package io.plank.example.billing;
