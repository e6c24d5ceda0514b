package publishing

import (
	"context"

	publishv1 "github.com/ruche-project/ruche/events/publish/v1"
)

// FetchMedia is the media fetcher of cfg (validated), for tests.
func FetchMedia(ctx context.Context, cfg Config, m publishv1.Media) (MediaFile, error) {
	if err := cfg.Validate(); err != nil {
		return MediaFile{}, err
	}
	return newMediaFetcher(cfg).fetch(ctx, m)
}
