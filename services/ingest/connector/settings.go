package connector

import (
	"fmt"
	"strings"
	"time"
)

// IntervalSetting reads a source's poll_interval setting for a connector
// that must not call its network more often (API quota, politeness to
// feeds): def when unset, so each network keeps its own default while the
// poll loop wakes at ingest.poll_interval and finds nothing due.
func IntervalSetting(src Source, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(src.Settings[SettingPollInterval])
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > 24*time.Hour {
		return 0, fmt.Errorf("settings.%s must be a duration between 0s and 24h, e.g. 5m", SettingPollInterval)
	}
	return d, nil
}

// SettingPollInterval is the optional per-source setting overriding
// ingest.poll_interval (a Go duration, at least 1s).
const SettingPollInterval = "poll_interval"
