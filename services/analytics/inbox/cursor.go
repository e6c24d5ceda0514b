package inbox

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// cursor is the position after the last item of a page, in the listing's
// order: received_at (to the millisecond) descending, then id descending.
type cursor struct {
	ReceivedMS int64  `json:"r"`
	ID         string `json:"i"`
}

// encode renders the cursor as opaque URL-safe text.
func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor made by encode.
func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return cursor{}, errors.New("cursor is not one this service issued")
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" || c.ReceivedMS < 0 {
		return cursor{}, errors.New("cursor is not one this service issued")
	}
	return c, nil
}

// cursorAfter is the cursor that continues after item.
func cursorAfter(item query.Interaction) cursor {
	return cursor{ReceivedMS: item.ReceivedAt.UnixMilli(), ID: item.ID}
}

// seconds and millis split the cursor's time as the table stores it.
func (c cursor) seconds() int64 { return c.ReceivedMS / 1000 }
func (c cursor) millis() uint16 { return uint16(c.ReceivedMS % 1000) }

// listParams is a checked ListInteractionsRequest.
type listParams struct {
	brand  string
	limit  int
	after  *cursor
	filter sqlFilter
}

// parseList checks a request and applies the default limit.
func parseList(in query.ListInteractionsRequest) (listParams, error) {
	if err := events.ValidateBrand(in.Brand); err != nil {
		return listParams{}, readmodel.BadRequest{Msg: err.Error()}
	}
	p := listParams{brand: in.Brand, limit: in.Limit}
	switch {
	case in.Limit == 0:
		p.limit = readmodel.DefaultListLimit
	case in.Limit < 0 || in.Limit > query.MaxListLimit:
		return listParams{}, readmodel.BadRequest{Msg: fmt.Sprintf("limit must be from 1 to %d, got %d", query.MaxListLimit, in.Limit)}
	}
	if in.Cursor != "" {
		c, err := decodeCursor(in.Cursor)
		if err != nil {
			return listParams{}, readmodel.BadRequest{Msg: err.Error()}
		}
		p.after = &c
	}
	return p, nil
}
