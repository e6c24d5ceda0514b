package ingest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ruche-project/ruche/services/ingest/connector"
)

func TestRefusal(t *testing.T) {
	fix := &connector.RefusedError{Fix: "the app password was refused; create a new one"}
	if got := refusal(fmt.Errorf("poll: %w", fix)); got.Error() != fix.Fix {
		t.Fatalf("a connector's fix = %q", got)
	}
	plain := fmt.Errorf("%w: HTTP 401", connector.ErrUnauthorized)
	if got := refusal(plain); !errors.Is(got, connector.ErrUnauthorized) || got.Error() != "credentials refused: HTTP 401: update the source's token" {
		t.Fatalf("a plain refusal = %q", got)
	}
}
