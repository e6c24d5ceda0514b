package report

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/pkg/obs"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// reportCheckEvery is how often the scheduler looks for due reports: a
// report is stored within this long after its slot.
const reportCheckEvery = time.Minute

// Scheduler generates the scheduled weekly reports. Every replica
// runs one; each brand's week is generated once across them: the first
// replica to create the week's record (a KV compare-and-set) generates it,
// the others see the record and move on. A replica that dies while
// generating leaves a claim that expires (ClaimTTL), after which
// another takes it over and writes the same files again: the files of a
// week have fixed names, so a retry overwrites, never duplicates.
//
// A week is due once the brand's weekday and hour of the current week
// (in the brand's time zone) have passed; it is the previous full week,
// Monday 00:00 to Monday 00:00 there. Only the current week's slot is
// looked at: a replica down during a slot catches up when it restarts in
// the same week.
type Scheduler struct {
	reports *Store
	log     *slog.Logger
	// now is the clock; tests move it across a week boundary.
	now   func() time.Time
	owner string
	every time.Duration
	// timeout bounds one generation; it runs to the end (or the timeout)
	// even when the service is stopping, so that a claim is not left to
	// expire needlessly.
	timeout time.Duration
	// Generate renders one brand's week in the settings' formats.
	Generate func(ctx context.Context, brand, week string, s query.ReportSettings, now time.Time) (map[string][]byte, error)
}

func NewScheduler(st Builder, rs *Store, log *slog.Logger, now func() time.Time, timeout time.Duration) *Scheduler {
	return &Scheduler{reports: rs, log: log, now: now, owner: replicaID(), every: reportCheckEvery, timeout: timeout, Generate: st.renderWeek}
}

// replicaID names this process in the claims: host name and a random
// suffix (two processes of one host differ).
func replicaID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%s", host, hex.EncodeToString(b))
}

// Run checks for due reports at once, then every s.every, until ctx is
// done.
func (s *Scheduler) Run(ctx context.Context) {
	s.Tick(ctx)
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Tick(ctx)
		}
	}
}

// Tick generates the reports due at s.now() that no replica has
// generated, and returns how many this replica generated.
func (s *Scheduler) Tick(ctx context.Context) int {
	all, err := s.reports.allSettings(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("scheduled reports: read settings", "error", err)
		}
		return 0
	}
	n := 0
	for _, b := range all {
		if ctx.Err() != nil {
			break
		}
		if !b.settings.Enabled {
			continue
		}
		done, err := s.runBrand(ctx, b.brand, b.settings, s.now())
		if err != nil {
			s.log.Warn("scheduled report failed", "brand", b.brand, "error", err)
		}
		if done {
			n++
		}
	}
	return n
}

// runBrand generates the brand's due week if this replica can claim it.
func (s *Scheduler) runBrand(ctx context.Context, brand string, settings query.ReportSettings, now time.Time) (bool, error) {
	loc, err := reportLocation(settings.TZ)
	if err != nil {
		return false, err
	}
	slot, week := reportSlot(settings, loc, now)
	if now.Before(slot) {
		return false, nil
	}
	// A done week needs no claim: the common case, read only.
	if rec, err := s.reports.record(ctx, brand, week); err == nil && rec.State == query.StoredReportDone {
		return false, nil
	} else if err != nil && !errors.As(err, new(readmodel.NotFound)) {
		return false, err
	}
	_, from, err := parseWeek(week, loc, now)
	if err != nil {
		return false, err
	}
	rec := query.StoredReport{Brand: brand, Week: week, From: from.UTC(), To: from.AddDate(0, 0, 7).UTC(), TZ: settings.TZ, Locale: settings.Locale}
	rec, rev, ok, err := s.reports.Claim(ctx, rec, s.owner, now)
	if err != nil || !ok {
		return false, err
	}
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	gctx = obs.WithBrand(gctx, brand)
	files, err := s.Generate(gctx, brand, week, settings, now)
	if err != nil {
		if ferr := s.reports.failed(gctx, rec, rev, err, s.now()); ferr != nil {
			s.log.Warn("scheduled report: record the failure", "brand", brand, "week", week, "error", ferr)
		}
		return false, fmt.Errorf("generate %s: %w", week, err)
	}
	rec, kept, err := s.reports.finish(gctx, rec, rev, files, s.now())
	if err != nil {
		if ferr := s.reports.failed(gctx, rec, rev, err, s.now()); ferr != nil {
			s.log.Warn("scheduled report: record the failure", "brand", brand, "week", week, "error", ferr)
		}
		return false, fmt.Errorf("store %s: %w", week, err)
	}
	if !kept {
		s.log.Warn("scheduled report: the claim expired while generating; another replica took it over", "brand", brand, "week", week)
	}
	s.log.Info("scheduled report stored", "brand", brand, "week", week, "attempt", rec.Attempts, "files", len(rec.Files))
	return true, nil
}

// renderWeek computes and renders one brand's week in the settings'
// formats.
func (st Builder) renderWeek(ctx context.Context, brand, week string, s query.ReportSettings, now time.Time) (map[string][]byte, error) {
	req := query.WeeklyReportRequest{Brand: brand, Week: week, TZ: s.TZ, Locale: s.Locale, Voices: s.Voices,
		PDF: slices.Contains(s.Formats, query.ReportPDF)}
	r, err := st.Weekly(ctx, req, now)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	if slices.Contains(s.Formats, query.ReportHTML) {
		files[query.ReportHTML] = []byte(r.HTML)
	}
	if req.PDF {
		files[query.ReportPDF] = r.PDF
	}
	return files, nil
}

// Owner is the name this scheduler claims reports with.
func (s *Scheduler) Owner() string { return s.owner }
