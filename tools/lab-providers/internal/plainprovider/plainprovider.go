// Package plainprovider implements a provider with an empty configuration
// schema, which is all that null needs: its behaviour lives entirely in its
// resource (and the provisioners OpenTofu itself runs).
package plainprovider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// New returns a factory for a provider named name (the resource type prefix)
// reporting version and offering resources.
func New(name, version string, resources ...func() resource.Resource) func() provider.Provider {
	return func() provider.Provider {
		return &plainProvider{name: name, version: version, resources: resources}
	}
}

type plainProvider struct {
	name      string
	version   string
	resources []func() resource.Resource
}

func (p *plainProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = p.name
	resp.Version = p.version
}

func (p *plainProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{}
}

func (p *plainProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *plainProvider) Resources(context.Context) []func() resource.Resource {
	return p.resources
}

func (p *plainProvider) DataSources(context.Context) []func() datasource.DataSource {
	return nil
}
