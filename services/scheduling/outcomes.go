package scheduling

import (
	"context"
	"errors"

	postv1 "github.com/ruche-project/ruche/events/post/v1"
	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
)

// onOutcome records one variant's outcome on the post of its request and,
// once every variant has one, moves the post to published, partially
// published or failed. A later outcome (publishing retried a failed
// variant) moves it again.
func (s *Service) onOutcome(ctx context.Context, brand string, kind publishv1.Kind, rid string, o query.PostOutcome) error {
	if kind != publishv1.KindPost {
		return nil
	}
	id, _, ok := ParseRequestID(brand, rid)
	if !ok {
		return nil
	}
	_, err := s.change(ctx, query.PostRef{Brand: brand, ID: id}, System, "posts.outcome", func(p *query.Post) error {
		switch {
		case p.RequestID != rid:
			return errUnchanged // an older release's outcome
		case p.State != postv1.StatePublishing && p.State != postv1.StatePublished &&
			p.State != postv1.StatePartiallyPublished && p.State != postv1.StateFailed:
			return errUnchanged // scheduled again since
		}
		i := -1
		for j, x := range p.Outcomes {
			if x.Network == o.Network && x.Account == o.Account {
				i = j
			}
		}
		switch {
		case i < 0:
			p.Outcomes = append(p.Outcomes, o)
		case p.Outcomes[i] == o || p.Outcomes[i].Published && !o.Published:
			return errUnchanged // a redelivery, or a failure reported after the success
		default:
			p.Outcomes[i] = o
		}
		p.State = outcomeState(p)
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// outcomeState is the post's state from its outcomes: publishing until
// every variant has one.
func outcomeState(p *query.Post) postv1.State {
	published := 0
	for _, v := range p.Variants {
		found := false
		for _, o := range p.Outcomes {
			if outcomeOf(v, o) {
				found = true
				if o.Published {
					published++
				}
			}
		}
		if !found {
			return postv1.StatePublishing
		}
	}
	switch published {
	case len(p.Variants):
		return postv1.StatePublished
	case 0:
		return postv1.StateFailed
	}
	return postv1.StatePartiallyPublished
}

// outcomeOf reports whether o is variant v's outcome: a variant without an
// account is posted from the brand's account on the network, which
// publishing names in its outcome.
func outcomeOf(v query.PostVariant, o query.PostOutcome) bool {
	return o.Network == v.Network && (v.Account == "" || v.Account == o.Account)
}
