// Command terraform-provider-null is a stand-in for hashicorp/null, for
// offline OpenTofu runs through a filesystem mirror.
package main

import (
	"matrixplatform.local/lab-providers/internal/nullprovider"
	"matrixplatform.local/lab-providers/internal/serve"
)

// version is the upstream release whose schema and behaviour this binary
// follows (the one the cdktf prebuilt bindings pin).
const version = "3.2.4"

func main() {
	serve.Run("null", nullprovider.New(version))
}
