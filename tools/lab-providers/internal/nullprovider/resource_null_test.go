package nullprovider

import (
	"slices"
	"strconv"
	"testing"

	"matrixplatform.local/lab-providers/internal/protocoltest"
)

func TestNullResourceLifecycle(t *testing.T) {
	srv := protocoltest.New(t, New("test"))

	state := srv.Create("null_resource", map[string]any{"triggers": map[string]string{"a": "1"}})
	if _, err := strconv.ParseUint(state.String(t, "id"), 10, 64); err != nil {
		t.Fatalf("id %q is not a decimal number: %v", state.String(t, "id"), err)
	}

	// Same triggers: nothing to replace, id kept.
	planned, replace := srv.Plan("null_resource", state, map[string]any{"triggers": map[string]string{"a": "1"}})
	if len(replace) != 0 || planned.String(t, "id") != state.String(t, "id") {
		t.Fatalf("unchanged triggers planned replace=%v id=%v", replace, planned["id"])
	}

	// Changed triggers force replacement.
	_, replace = srv.Plan("null_resource", state, map[string]any{"triggers": map[string]string{"a": "2"}})
	if !slices.Contains(replace, "triggers") {
		t.Fatalf("changed triggers did not force replacement: %v", replace)
	}
}
