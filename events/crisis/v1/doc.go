// Package v1 holds version 1 of the crisis domain's contracts: a brand's
// volume and negative share spiking against its own baseline (Detected), and
// the end of that spike (Resolved). Changes here are additive only.
package v1
