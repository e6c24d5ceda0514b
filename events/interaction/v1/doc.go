// Package v1 holds version 1 of the interaction domain's contracts: what
// listening brings in (Received) and what moderation decided about it
// (Moderated). Changes here are additive only; a breaking change is a v2
// package published beside this one until every consumer has moved.
package v1
