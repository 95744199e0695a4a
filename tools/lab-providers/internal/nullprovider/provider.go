// Package nullprovider offers null_resource, a resource that does nothing
// except get replaced when its triggers change (used to run provisioners).
package nullprovider

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"

	"matrixplatform.local/lab-providers/internal/plainprovider"
)

// New returns the provider factory for the "null" provider.
func New(version string) func() provider.Provider {
	return plainprovider.New("null", version, newNullResource)
}
