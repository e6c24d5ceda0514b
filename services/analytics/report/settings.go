package report

import (
	"context"
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
	"github.com/ruche-project/ruche/services/analytics/kpi"
)

// ReportSettingsBucket is the NATS KV bucket, owned by analytics, that holds
// each brand's weekly report settings under the brand's name. The entry's
// revision is the settings' version: a save names the revision it started
// from and loses (409) when another save came first.
const ReportSettingsBucket = "analytics_report_settings"

// storedSettings is the value of a brand's settings entry.
type storedSettings struct {
	Settings  query.ReportSettings `json:"settings"`
	UpdatedBy string               `json:"updated_by,omitempty"`
	UpdatedAt time.Time            `json:"updated_at"`
}

// defaultReportSettings are a brand's settings until it saves some: no
// scheduled report.
func defaultReportSettings() query.ReportSettings {
	return query.ReportSettings{Enabled: false, Weekday: "monday", Hour: 8, TZ: "UTC", Locale: "en",
		Formats: []string{query.ReportHTML, query.ReportPDF}}
}

// checkReportSettings validates s and returns it normalised (locale and
// formats defaulted, formats in a fixed order), or a fieldError.
func checkReportSettings(s query.ReportSettings) (query.ReportSettings, error) {
	if !slices.Contains(query.ReportWeekdays, s.Weekday) {
		return s, readmodel.FieldError{Field: "settings.weekday", Msg: fmt.Sprintf("%q is not one of %s", s.Weekday, strings.Join(query.ReportWeekdays, ", "))}
	}
	if s.Hour < 0 || s.Hour > 23 {
		return s, readmodel.FieldError{Field: "settings.hour", Msg: fmt.Sprintf("must be from 0 to 23, got %d", s.Hour)}
	}
	if _, err := reportLocation(s.TZ); err != nil {
		return s, err
	}
	switch s.Locale {
	case "":
		s.Locale = "en"
	case "en", "fr":
	default:
		return s, readmodel.FieldError{Field: "settings.locale", Msg: fmt.Sprintf("%q: must be fr or en", s.Locale)}
	}
	if len(s.Formats) == 0 {
		s.Formats = []string{query.ReportHTML, query.ReportPDF}
	}
	var formats []string
	for _, f := range []string{query.ReportHTML, query.ReportPDF} {
		if slices.Contains(s.Formats, f) {
			formats = append(formats, f)
		}
	}
	for _, f := range s.Formats {
		if f != query.ReportHTML && f != query.ReportPDF {
			return s, readmodel.FieldError{Field: "settings.formats", Msg: fmt.Sprintf("%q: each format must be html or pdf", f)}
		}
	}
	s.Formats = formats
	// The voices are checked as the KPIs check them.
	if len(s.Voices) > 0 {
		probe := query.KPIsRequest{Brand: "probe", From: time.Unix(0, 0), To: time.Unix(1, 0), Voices: s.Voices}
		if _, err := kpi.Parse(probe, time.Now()); err != nil {
			return s, readmodel.FieldError{Field: "settings.voices", Msg: err.Error()}
		}
	}
	return s, nil
}

// reportLocation loads an IANA time zone ("Local" is the server's, not a
// brand's).
func reportLocation(tz string) (*time.Location, error) {
	if tz == "" || tz == "Local" || !readmodel.ValidToken(strings.ReplaceAll(tz, "/", "")) {
		return nil, readmodel.FieldError{Field: "settings.tz", Msg: fmt.Sprintf("%q is not an IANA time zone (e.g. Europe/Paris, UTC)", tz)}
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, readmodel.FieldError{Field: "settings.tz", Msg: fmt.Sprintf("%q is not an IANA time zone (e.g. Europe/Paris, UTC)", tz)}
	}
	return loc, nil
}

// reportSlot is the moment of the week of now (in the settings' time
// zone) at which the report is due, and the ISO week it covers: the one
// before.
func reportSlot(s query.ReportSettings, loc *time.Location, now time.Time) (time.Time, string) {
	y, w := now.In(loc).ISOWeek()
	monday := weekStart(y, w, loc)
	day := monday.AddDate(0, 0, slices.Index(query.ReportWeekdays, s.Weekday))
	slot := time.Date(day.Year(), day.Month(), day.Day(), s.Hour, 0, 0, 0, loc)
	py, pw := monday.AddDate(0, 0, -7).ISOWeek()
	return slot, fmt.Sprintf("%04d-W%02d", py, pw)
}

// nextRun is the first slot after now.
func nextRun(s query.ReportSettings, now time.Time) *time.Time {
	loc, err := reportLocation(s.TZ)
	if !s.Enabled || err != nil {
		return nil
	}
	slot, _ := reportSlot(s, loc, now)
	if !slot.After(now) {
		slot, _ = reportSlot(s, loc, now.AddDate(0, 0, 7))
	}
	slot = slot.UTC()
	return &slot
}

// getSettings answers GetReportSettingsRequest.
func (rs *Store) Settings(ctx context.Context, brand string, now time.Time) (query.ReportSettingsResponse, error) {
	if err := events.ValidateBrand(brand); err != nil {
		return query.ReportSettingsResponse{}, readmodel.FieldError{Field: "brand", Msg: err.Error()}
	}
	resp := query.ReportSettingsResponse{Brand: brand, Settings: defaultReportSettings()}
	e, err := rs.settings.Get(ctx, brand)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return resp, nil
	}
	if err != nil {
		return resp, fmt.Errorf("report settings of %s: %w", brand, err)
	}
	var st storedSettings
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return resp, fmt.Errorf("report settings of %s: %w", brand, err)
	}
	resp.Revision, resp.Settings, resp.UpdatedBy = e.Revision(), st.Settings, st.UpdatedBy
	resp.UpdatedAt = &st.UpdatedAt
	resp.NextRun = nextRun(st.Settings, now)
	return resp, nil
}

// putSettings validates and saves a brand's settings with a compare-and-set
// on the revision the edit started from.
func (rs *Store) PutSettings(ctx context.Context, in query.PutReportSettingsRequest, now time.Time) (query.ReportSettingsResponse, error) {
	if err := events.ValidateBrand(in.Brand); err != nil {
		return query.ReportSettingsResponse{}, readmodel.FieldError{Field: "brand", Msg: err.Error()}
	}
	s, err := checkReportSettings(in.Settings)
	if err != nil {
		return query.ReportSettingsResponse{}, err
	}
	st := storedSettings{Settings: s, UpdatedBy: in.UpdatedBy, UpdatedAt: now.UTC()}
	b, err := json.Marshal(st)
	if err != nil {
		return query.ReportSettingsResponse{}, err
	}
	var rev uint64
	if in.Revision == 0 {
		rev, err = rs.settings.Create(ctx, in.Brand, b)
	} else {
		rev, err = rs.settings.Update(ctx, in.Brand, b, in.Revision)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || isWrongSequence(err) {
		return query.ReportSettingsResponse{}, readmodel.Conflict{Msg: fmt.Sprintf(
			"the report settings of brand %s changed since revision %d: reload them and apply your change again", in.Brand, in.Revision)}
	}
	if err != nil {
		return query.ReportSettingsResponse{}, fmt.Errorf("save report settings of %s: %w", in.Brand, err)
	}
	return query.ReportSettingsResponse{Brand: in.Brand, Revision: rev, Settings: s, UpdatedBy: st.UpdatedBy,
		UpdatedAt: &st.UpdatedAt, NextRun: nextRun(s, now)}, nil
}

// brandSettings is one brand's saved settings.
type brandSettings struct {
	brand    string
	settings query.ReportSettings
}

// allSettings reads every brand's saved settings in one pass.
func (rs *Store) allSettings(ctx context.Context) ([]brandSettings, error) {
	w, err := rs.settings.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("read report settings: %w", err)
	}
	defer func() { _ = w.Stop() }()
	var out []brandSettings
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok || e == nil { // every current value delivered
				return out, nil
			}
			var st storedSettings
			if err := json.Unmarshal(e.Value(), &st); err != nil {
				return nil, fmt.Errorf("report settings of %s: %w", e.Key(), err)
			}
			out = append(out, brandSettings{brand: e.Key(), settings: st.Settings})
		}
	}
}

// isWrongSequence reports a lost compare-and-set on Update.
func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}
