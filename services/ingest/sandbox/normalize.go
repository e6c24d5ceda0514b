package sandbox

import (
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
)

// NetworkName is the network of sandbox interactions in Ruche.
const NetworkName = "sandbox"

var kinds = map[ItemType]v1.Kind{
	TypeComment: v1.KindComment,
	TypeReply:   v1.KindReply,
	TypeMention: v1.KindMention,
	TypeDM:      v1.KindDM,
	TypeReview:  v1.KindReview,
}

// Normalize turns one activity item of the sandbox API into an interaction
// of brand, read by source at now. A malformed item is an error naming what
// is wrong.
func Normalize(raw json.RawMessage, brand, source string, now time.Time) (v1.Received, error) {
	var it Item
	if err := json.Unmarshal(raw, &it); err != nil {
		return v1.Received{}, fmt.Errorf("decode item: %w", err)
	}
	kind, ok := kinds[it.Type]
	if !ok {
		return v1.Received{}, fmt.Errorf("item %q: unknown type %q", it.ID, it.Type)
	}
	handle := ""
	if it.Author.Username != "" {
		handle = "@" + it.Author.Username
	}
	r := v1.Received{
		ID: v1.InteractionID(NetworkName, it.ID), Brand: brand, Network: NetworkName, Account: it.Account,
		Kind: kind, PlatformID: it.ID, ThreadID: it.ThreadID, ParentID: it.InReplyToID,
		Author: v1.Author{ID: it.Author.ID, Handle: handle, DisplayName: it.Author.DisplayName,
			Followers: it.Author.FollowersCount, Verified: it.Author.Verified},
		Text: it.Text, Lang: it.Lang, URL: it.URL, CreatedAt: it.CreatedAt.UTC(), ReceivedAt: now.UTC(),
		Source: v1.SourceSandbox, SourceID: source,
	}
	if !it.Author.CreatedAt.IsZero() {
		at := it.Author.CreatedAt.UTC()
		r.Author.CreatedAt = &at
	}
	if err := r.Validate(); err != nil {
		return v1.Received{}, fmt.Errorf("item %q: %w", it.ID, err)
	}
	return r, nil
}
