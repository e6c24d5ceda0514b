package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ruche-project/ruche/events"
	query "github.com/ruche-project/ruche/events/query/v1"
	"github.com/ruche-project/ruche/services/analytics/internal/readmodel"
)

// Where the scheduled reports live, in NATS (analytics owns them).
const (
	// ReportRunsBucket is the KV bucket of report records, one per brand
	// and ISO week, "<brand>.<yyyy>-W<ww>". Creating the record is the
	// claim that makes one replica, and only one, generate the week.
	ReportRunsBucket = "analytics_report_runs"
	// ReportsObjectBucket is the object store of the reports themselves,
	// "<brand>/<yyyy>-W<ww>.html" and ".pdf".
	ReportsObjectBucket = "analytics_reports"
)

// Claim timings: a replica that claimed a week has ClaimTTL to store
// it; past that (it died, or hangs) another takes the claim over. A failed
// attempt is retried after RetryDelay × attempts, at most an hour.
const (
	ClaimTTL   = 10 * time.Minute
	RetryDelay = 5 * time.Minute
)

// reportContentTypes are the stored formats' media types.
var reportContentTypes = map[string]string{
	query.ReportHTML: "text/html; charset=utf-8",
	query.ReportPDF:  "application/pdf",
}

// Store keeps the settings, the records and the files of the
// scheduled reports.
type Store struct {
	settings jetstream.KeyValue
	runs     jetstream.KeyValue
	files    jetstream.ObjectStore
}

// OpenStore creates or opens the buckets.
func OpenStore(ctx context.Context, js jetstream.JetStream, replicas int) (*Store, error) {
	replicas = max(replicas, 1)
	settings, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: ReportSettingsBucket, History: 5, Storage: jetstream.FileStorage, Replicas: replicas,
		Description: "analytics: each brand's weekly report settings",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", ReportSettingsBucket, err)
	}
	runs, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: ReportRunsBucket, History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
		Description: "analytics: one record (and claim) per brand and week of the scheduled reports",
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", ReportRunsBucket, err)
	}
	files, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: ReportsObjectBucket, Storage: jetstream.FileStorage, Replicas: replicas,
		Description: "analytics: the stored weekly reports (HTML and PDF)",
	})
	if err != nil {
		return nil, fmt.Errorf("open object store %s: %w", ReportsObjectBucket, err)
	}
	return &Store{settings: settings, runs: runs, files: files}, nil
}

func runKey(brand, week string) string               { return brand + "." + week }
func reportObject(brand, week, format string) string { return brand + "/" + week + "." + format }

// Claim makes this replica (owner) the one that generates rec's week: it
// creates the record, or takes over one whose claim expired (its replica
// died, or the last attempt failed and its retry delay passed). Both are
// compare-and-sets, so two replicas never hold the same week. It returns
// the claimed record and its revision; ok is false when the week is done
// or another replica holds it.
func (rs *Store) Claim(ctx context.Context, rec query.StoredReport, owner string, now time.Time) (query.StoredReport, uint64, bool, error) {
	key := runKey(rec.Brand, rec.Week)
	rec.State, rec.Attempts, rec.ClaimedBy, rec.ClaimExpires, rec.Error = query.StoredReportGenerating, 1, owner, now.Add(ClaimTTL).UTC(), ""
	b, _ := json.Marshal(rec)
	rev, err := rs.runs.Create(ctx, key, b)
	if err == nil {
		return rec, rev, true, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return rec, 0, false, fmt.Errorf("claim report %s: %w", key, err)
	}
	e, err := rs.runs.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return rec, 0, false, nil // deleted meanwhile: the next tick tries again
	}
	if err != nil {
		return rec, 0, false, fmt.Errorf("read report record %s: %w", key, err)
	}
	var cur query.StoredReport
	if err := json.Unmarshal(e.Value(), &cur); err != nil {
		return rec, 0, false, fmt.Errorf("report record %s: %w", key, err)
	}
	if cur.State == query.StoredReportDone || now.Before(cur.ClaimExpires) {
		return cur, 0, false, nil
	}
	rec.Attempts = cur.Attempts + 1
	b, _ = json.Marshal(rec)
	rev, err = rs.runs.Update(ctx, key, b, e.Revision())
	if isWrongSequence(err) {
		return rec, 0, false, nil // another replica took it over first
	}
	if err != nil {
		return rec, 0, false, fmt.Errorf("take over report %s: %w", key, err)
	}
	return rec, rev, true, nil
}

// finish stores the week's files under fixed names (a retry overwrites
// them) and marks the record done. It returns false when the claim was
// lost meanwhile (this replica outlived its claim and another took it
// over): the files are the same week's, the other replica's record wins.
func (rs *Store) finish(ctx context.Context, rec query.StoredReport, rev uint64, files map[string][]byte, now time.Time) (query.StoredReport, bool, error) {
	rec.Files = nil
	for _, format := range []string{query.ReportHTML, query.ReportPDF} {
		content, ok := files[format]
		if !ok {
			continue
		}
		info, err := rs.putFile(ctx, rec.Brand, rec.Week, format, content)
		if err != nil {
			return rec, false, err
		}
		rec.Files = append(rec.Files, info)
	}
	rec.State, rec.GeneratedAt, rec.Error = query.StoredReportDone, now.UTC(), ""
	b, _ := json.Marshal(rec)
	if _, err := rs.runs.Update(ctx, runKey(rec.Brand, rec.Week), b, rev); err != nil {
		if isWrongSequence(err) {
			return rec, false, nil
		}
		return rec, false, fmt.Errorf("record report %s %s: %w", rec.Brand, rec.Week, err)
	}
	return rec, true, nil
}

func (rs *Store) putFile(ctx context.Context, brand, week, format string, content []byte) (query.StoredReportInfo, error) {
	sum := sha256.Sum256(content)
	info := query.StoredReportInfo{Format: format, ContentType: reportContentTypes[format], Size: len(content), SHA256: hex.EncodeToString(sum[:])}
	meta := jetstream.ObjectMeta{Name: reportObject(brand, week, format), Description: "weekly report of " + brand + " for " + week,
		Headers: map[string][]string{"Content-Type": {info.ContentType}}}
	if _, err := rs.files.Put(ctx, meta, bytes.NewReader(content)); err != nil {
		return info, fmt.Errorf("store %s: %w", meta.Name, err)
	}
	return info, nil
}

// failed records a failed attempt; the week is claimable again after the
// retry delay.
func (rs *Store) failed(ctx context.Context, rec query.StoredReport, rev uint64, cause error, now time.Time) error {
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	rec.State, rec.Error = query.StoredReportFailed, msg
	rec.ClaimExpires = now.Add(min(RetryDelay*time.Duration(max(rec.Attempts, 1)), time.Hour)).UTC()
	b, _ := json.Marshal(rec)
	if _, err := rs.runs.Update(ctx, runKey(rec.Brand, rec.Week), b, rev); err != nil && !isWrongSequence(err) {
		return fmt.Errorf("record failed report %s %s: %w", rec.Brand, rec.Week, err)
	}
	return nil
}

// record reads one week's record.
func (rs *Store) record(ctx context.Context, brand, week string) (query.StoredReport, error) {
	e, err := rs.runs.Get(ctx, runKey(brand, week))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return query.StoredReport{}, readmodel.NotFound{Msg: fmt.Sprintf("no stored report of brand %s for week %s", brand, week)}
	}
	if err != nil {
		return query.StoredReport{}, err
	}
	var rec query.StoredReport
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return rec, fmt.Errorf("report record %s: %w", e.Key(), err)
	}
	return rec, nil
}

// list answers ListStoredReportsRequest: every record of the brand,
// newest week first.
func (rs *Store) List(ctx context.Context, brand string) (query.StoredReports, error) {
	out := query.StoredReports{Brand: brand, Reports: []query.StoredReport{}}
	if err := events.ValidateBrand(brand); err != nil {
		return out, readmodel.FieldError{Field: "brand", Msg: err.Error()}
	}
	w, err := rs.runs.WatchFiltered(ctx, []string{brand + ".*"}, jetstream.IgnoreDeletes())
	if err != nil {
		return out, fmt.Errorf("list reports of %s: %w", brand, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok || e == nil {
				slices.SortFunc(out.Reports, func(a, b query.StoredReport) int { return strings.Compare(b.Week, a.Week) })
				return out, nil
			}
			var rec query.StoredReport
			if err := json.Unmarshal(e.Value(), &rec); err != nil {
				return out, fmt.Errorf("report record %s: %w", e.Key(), err)
			}
			out.Reports = append(out.Reports, rec)
		}
	}
}

// file answers GetStoredReportRequest.
func (rs *Store) File(ctx context.Context, in query.GetStoredReportRequest) (query.StoredReportFile, error) {
	out := query.StoredReportFile{Brand: in.Brand, Week: in.Week}
	if err := events.ValidateBrand(in.Brand); err != nil {
		return out, readmodel.FieldError{Field: "brand", Msg: err.Error()}
	}
	if !isoWeek.MatchString(in.Week) {
		return out, readmodel.FieldError{Field: "week", Msg: fmt.Sprintf("%q: want an ISO week such as 2026-W47", in.Week)}
	}
	if in.Format == "" {
		in.Format = query.ReportHTML
	}
	if _, ok := reportContentTypes[in.Format]; !ok {
		return out, readmodel.FieldError{Field: "format", Msg: fmt.Sprintf("%q: must be html or pdf", in.Format)}
	}
	rec, err := rs.record(ctx, in.Brand, in.Week)
	if err != nil {
		return out, err
	}
	i := slices.IndexFunc(rec.Files, func(f query.StoredReportInfo) bool { return f.Format == in.Format })
	if rec.State != query.StoredReportDone || i < 0 {
		return out, readmodel.NotFound{Msg: fmt.Sprintf("the report of brand %s for week %s has no %s file (state %s)", in.Brand, in.Week, in.Format, rec.State)}
	}
	content, err := rs.files.GetBytes(ctx, reportObject(in.Brand, in.Week, in.Format))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return out, readmodel.NotFound{Msg: fmt.Sprintf("the %s report of brand %s for week %s is missing", in.Format, in.Brand, in.Week)}
	}
	if err != nil {
		return out, fmt.Errorf("read report %s %s: %w", in.Brand, in.Week, err)
	}
	out.StoredReportInfo, out.Content = rec.Files[i], content
	return out, nil
}
