// Package v1 holds version 1 of the post domain's contracts, published by
// scheduling: every change of state of an editorial-calendar post
// (Transitioned) and the firing of a scheduled post's timer (Due, delivered
// by a JetStream message schedule at the post's time). Changes here are
// additive only.
package v1
