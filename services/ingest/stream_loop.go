package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	v1 "github.com/ruche-project/ruche/events/interaction/v1"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/ingest/connector"
)

const (
	streamPollInterval     = 5 * time.Minute
	streamRetryUnavailable = 30 * time.Minute
	// streamSteady is how long a connection must have lasted for the next
	// reconnection to start from the first backoff again.
	streamSteady = time.Minute
	// streamedMemory bounds how long a streamed item is remembered if no
	// poll reads it.
	streamedMemory = time.Hour
)

// streamLink is what a source's stream and poll loop share on one replica.
type streamLink struct {
	wake chan struct{} // a poll is due now (the stream connected or dropped)

	mu       sync.Mutex
	up       bool
	streamed map[string]time.Time // event ids published by the stream → when
}

func newStreamLink() *streamLink {
	return &streamLink{wake: make(chan struct{}, 1), streamed: map[string]time.Time{}}
}

func (l *streamLink) live() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.up
}

// set records the stream's state and asks for a catch-up poll.
func (l *streamLink) set(up bool) {
	l.mu.Lock()
	l.up = up
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *streamLink) published(items []v1.Received, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, at := range l.streamed {
		if now.Sub(at) > streamedMemory {
			delete(l.streamed, id)
		}
	}
	for _, r := range items {
		l.streamed[r.ID] = now
	}
}

// unstreamed drops from a polled page's items those the stream published;
// the poll reads each of them once, so they are forgotten.
func (l *streamLink) unstreamed(items []v1.Received) []v1.Received {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.streamed) == 0 {
		return items
	}
	out := items[:0:0]
	for _, r := range items {
		if _, ok := l.streamed[r.ID]; ok {
			delete(l.streamed, r.ID)
			continue
		}
		out = append(out, r)
	}
	return out
}

// stream keeps a source's stream connected until ctx is done: it reconnects
// with exponential backoff, honours 429, leaves a server without streaming
// to polling for a while, and stops on refused credentials (the poll loop
// parks the source too; an updated source restarts both).
func (m *pollManager) stream(ctx context.Context, src connector.Source, s connector.Streamer, link *streamLink) {
	log := m.log.With("source", src.ID, "network", src.Network, "brand", src.Brand)
	backoff := firstBackoff
	for ctx.Err() == nil {
		began := time.Now()
		err := s.Stream(ctx, src, func() {
			link.set(true)
			m.svc.health.Stream(src.ID, query.StreamConnected)
			log.InfoContext(ctx, "stream connected")
		}, func(p connector.Page) error {
			if err := m.publish(ctx, src, p, m.svc.metrics.streamed); err != nil {
				return err
			}
			link.published(p.Items, m.svc.now())
			return nil
		})
		if link.live() {
			link.set(false)
		}
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > streamSteady {
			backoff = firstBackoff
		}
		wait := backoff
		var limited *connector.RateLimitedError
		switch {
		case errors.Is(err, connector.ErrStreamUnavailable):
			m.svc.health.Stream(src.ID, query.StreamPollingOnly)
			log.InfoContext(ctx, "no stream: polling only", "error", err, "retry_in", streamRetryUnavailable)
			wait = streamRetryUnavailable
		case errors.Is(err, connector.ErrUnauthorized):
			m.svc.health.Stream(src.ID, query.StreamPollingOnly)
			log.WarnContext(ctx, "stream credentials refused: stopped until the source is updated", "error", err)
			<-ctx.Done()
			return
		case errors.As(err, &limited):
			m.svc.health.Stream(src.ID, query.StreamReconnecting)
			wait = limited.Wait
		default:
			m.svc.health.Stream(src.ID, query.StreamReconnecting)
			log.WarnContext(ctx, "stream dropped: polling meanwhile", "error", err, "retry_in", backoff)
			backoff = min(backoff*2, maxBackoff)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}
