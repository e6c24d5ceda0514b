package inbox

import (
	"context"

	query "github.com/ruche-project/ruche/events/query/v1"

	"github.com/ruche-project/ruche/events"
	"github.com/ruche-project/ruche/pkg/clickhouse"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// Reader reads the inbox: the interactions with their moderation state,
// replies and case decisions.
type Reader struct{ db *clickhouse.DB }

// NewReader reads from db.
func NewReader(db *clickhouse.DB) Reader { return Reader{db: db} }

// List answers a page of the brand's interactions, newest received first,
// with the filters of the request.
func (s Reader) List(ctx context.Context, in query.SearchInteractionsRequest) (query.ListInteractionsResponse, error) {
	p, err := parseList(in.ListInteractionsRequest)
	if err != nil {
		return query.ListInteractionsResponse{}, err
	}
	if p.filter, err = parseFilter(p.brand, in.InteractionFilter); err != nil {
		return query.ListInteractionsResponse{}, err
	}
	return s.listInteractions(obs.WithBrand(ctx, p.brand), p)
}

// Get answers one interaction with its routing, replies, thread and author
// history.
func (s Reader) Get(ctx context.Context, in query.GetInteractionRequest) (query.InteractionDetail, error) {
	if err := events.ValidateBrand(in.Brand); err != nil {
		return query.InteractionDetail{}, readmodel.BadRequest{Msg: err.Error()}
	}
	if in.ID == "" || len(in.ID) > 512 {
		return query.InteractionDetail{}, readmodel.BadRequest{Msg: "id is required (at most 512 bytes)"}
	}
	return s.interactionDetail(obs.WithBrand(ctx, in.Brand), in.Brand, in.ID)
}
