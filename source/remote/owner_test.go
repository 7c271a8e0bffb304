package remote

import (
	"context"
	"errors"
	"testing"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// A query reading who owns an address is refused by both engines before
// anything is sent: AWS cannot answer it.
func TestOwnerQueriesStayLocal(t *testing.T) {
	q, err := query.Parse(`filter owner = "S3" | stats count(*) as n`)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := query.Compile(q, model.NewInterner(), query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := (&InsightsEngine{}).Run(context.Background(), prog, nil); !errors.Is(err, ErrOwnerLocal) {
		t.Errorf("insights: %v", err)
	}
	if _, _, err := (&AthenaEngine{}).Run(context.Background(), prog, nil); !errors.Is(err, ErrOwnerLocal) {
		t.Errorf("athena: %v", err)
	}
}
