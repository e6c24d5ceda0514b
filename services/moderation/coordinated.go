package moderation

import (
	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	"github.com/ruche-project/ruche/services/moderation/neardup"
)

// Labels of coordinated posting: the same text from several accounts within
// minutes (package neardup), with the cluster's id so that an inbox can
// show the members together.
const (
	LabelCoordinated   = "coordinated"
	LabelClusterPrefix = "cluster:"
)

// coordinated records r in swarms and returns labels with the coordinated
// label and its cluster when r belongs to one. The labels are added after
// the policy decided: a cluster depends on what this replica saw before, so
// it informs moderators without changing a verdict that must be the same on
// redelivery.
func coordinated(swarms *neardup.Detector, r v1.Received, labels []string) []string {
	author := r.Author.ID
	if author == "" {
		author = r.Author.Handle
	}
	if c := swarms.Observe(r.Brand, author, r.Text, r.CreatedAt); c != "" {
		return append(labels, LabelCoordinated, LabelClusterPrefix+c)
	}
	return labels
}
