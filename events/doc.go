// Package events holds Ruche's event contracts and their transport conventions:
// the envelope carried in NATS headers, subject naming, and the JetStream stream
// topology. Every service publishes and consumes only the types declared under
// this module; wire names come from each type's Name method, never from Go type
// names.
//
// Subjects follow ruche.<domain>.<event>.v<N>.<brand>: the brand (tenant) is the
// last token so that a consumer can filter one tenant and ops can shard by it.
package events
