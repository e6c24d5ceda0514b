package scheduling

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/scheduling/ical"
)

// The feed shows the posts whose time is from feedPast ago to the service's
// horizon: the last month for reference, and everything planned.
const feedPast = 31 * 24 * time.Hour

// FeedPath is the gateway's public path of a brand's feed.
func FeedPath(brand, token string) string { return "/ical/" + brand + "/" + token + ".ics" }

// CreateFeedToken makes a brand's feed token (the previous one stops
// working) and answers it, the only time it is seen.
func (s *Service) CreateFeedToken(ctx context.Context, r query.FeedTokenRequest) (query.FeedToken, error) {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return query.FeedToken{}, fieldErr("brand", "%s", err.Error())
	}
	if r.By == "" {
		return query.FeedToken{}, fieldErr("by", "required")
	}
	token, info, err := s.planning.tokens.Create(ctx, r.Brand, r.By)
	if err != nil {
		return query.FeedToken{}, err
	}
	return query.FeedToken{Brand: r.Brand, Token: token, Path: FeedPath(r.Brand, token), CreatedAt: info.CreatedAt, CreatedBy: info.CreatedBy}, nil
}

// RevokeFeedToken deletes a brand's feed token.
func (s *Service) RevokeFeedToken(ctx context.Context, r query.FeedTokenRequest) (query.Empty, error) {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return query.Empty{}, fieldErr("brand", "%s", err.Error())
	}
	return query.Empty{}, s.planning.tokens.Revoke(ctx, r.Brand)
}

// FeedToken describes a brand's feed token, without it.
func (s *Service) FeedToken(ctx context.Context, r query.BrandRef) (query.FeedToken, error) {
	if err := events.ValidateBrand(r.Brand); err != nil {
		return query.FeedToken{}, fieldErr("brand", "%s", err.Error())
	}
	info, err := s.planning.tokens.Info(ctx, r.Brand)
	if errors.Is(err, ical.ErrNoToken) {
		return query.FeedToken{}, errors.Join(ErrNotFound, err)
	}
	return query.FeedToken{Brand: r.Brand, CreatedAt: info.CreatedAt, CreatedBy: info.CreatedBy}, err
}

// Feed answers a brand's calendar feed when token is its feed token. A
// wrong token and a brand without one are the same not found.
func (s *Service) Feed(ctx context.Context, r query.FeedRequest) (query.Feed, error) {
	if events.ValidateBrand(r.Brand) != nil || r.Token == "" {
		return query.Feed{}, errors.Join(ErrNotFound, ical.ErrNoToken)
	}
	if err := s.planning.tokens.Check(ctx, r.Brand, r.Token); err != nil {
		if errors.Is(err, ical.ErrNoToken) {
			return query.Feed{}, errors.Join(ErrNotFound, err)
		}
		return query.Feed{}, err
	}
	now := s.now()
	list, err := s.List(ctx, query.ListPostsRequest{Brand: r.Brand, From: now.Add(-feedPast), To: now.Add(s.cfg.Horizon)})
	if err != nil {
		return query.Feed{}, err
	}
	f := ical.Feed{Brand: r.Brand, Name: "Ruche — " + r.Brand, Zone: s.zone.String()}
	for _, p := range list.Posts {
		e := ical.Entry{PostID: p.ID, At: p.Time.At, Zone: p.Time.Zone, State: string(p.State), Campaign: p.Campaign, Labels: p.Labels,
			Version: p.Revision, Updated: p.UpdatedAt}
		for _, v := range p.Variants {
			e.Networks = append(e.Networks, v.Network)
		}
		if len(p.Variants) > 0 {
			e.Text = p.Variants[0].Text
		}
		f.Entries = append(f.Entries, e)
	}
	var b bytes.Buffer
	if err := ical.Write(&b, f); err != nil {
		return query.Feed{}, err
	}
	return query.Feed{Calendar: b.String()}, nil
}
