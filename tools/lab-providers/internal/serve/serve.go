// Package serve runs a provider as an OpenTofu/Terraform plugin process.
package serve

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

// Run serves the provider over plugin protocol 6 under
// registry.opentofu.org/hashicorp/<name>. The address only matters for the
// -debug (reattach) mode; OpenTofu takes the real address from the mirror.
func Run(name string, newProvider func() provider.Provider) {
	debug := flag.Bool("debug", false, "start in debug mode and print TF_REATTACH_PROVIDERS")
	flag.Parse()

	err := providerserver.Serve(context.Background(), newProvider, providerserver.ServeOpts{
		Address:         "registry.opentofu.org/hashicorp/" + name,
		Debug:           *debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err)
	}
}
