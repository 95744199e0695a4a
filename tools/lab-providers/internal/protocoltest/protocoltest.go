// Package protocoltest drives a provider through its protocol-6 server in
// process, the way OpenTofu would (validate, plan, apply, read), so tests
// exercise the real schema, defaults, validators and plan modifiers.
package protocoltest

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// State is a resource's attributes by name.
type State map[string]tftypes.Value

// String returns a string attribute, "" when null.
func (s State) String(t testing.TB, name string) string {
	t.Helper()
	var v string
	if s[name].IsNull() {
		return ""
	}
	if err := s[name].As(&v); err != nil {
		t.Fatalf("attribute %s: %v", name, err)
	}
	return v
}

// Server wraps a provider's protocol-6 server.
type Server struct {
	t       testing.TB
	ctx     context.Context
	srv     tfprotov6.ProviderServer
	schemas map[string]*tfprotov6.Schema
}

// New starts the provider in process.
func New(t testing.TB, factory func() provider.Provider) *Server {
	t.Helper()
	srv, err := providerserver.NewProtocol6WithError(factory())()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	resp, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	failOnErrors(t, "schema", resp.Diagnostics)
	return &Server{t: t, ctx: ctx, srv: srv, schemas: resp.ResourceSchemas}
}

// Schema returns the schema of a resource type.
func (s *Server) Schema(typeName string) *tfprotov6.Schema {
	s.t.Helper()
	sch, ok := s.schemas[typeName]
	if !ok {
		s.t.Fatalf("no resource type %s", typeName)
	}
	return sch
}

// Attribute returns one attribute of a resource type's schema.
func (s *Server) Attribute(typeName, name string) *tfprotov6.SchemaAttribute {
	s.t.Helper()
	for _, a := range s.Schema(typeName).Block.Attributes {
		if a.Name == name {
			return a
		}
	}
	s.t.Fatalf("%s has no attribute %s", typeName, name)
	return nil
}

// Validate returns the error diagnostics for a configuration.
func (s *Server) Validate(typeName string, config map[string]any) []*tfprotov6.Diagnostic {
	s.t.Helper()
	resp, err := s.srv.ValidateResourceConfig(s.ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: typeName, Config: s.dynamic(typeName, s.object(typeName, config, nil)),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return errorsOnly(resp.Diagnostics)
}

// Plan plans config against prior (nil for a create) and returns the
// planned state and the attributes that force replacement.
func (s *Server) Plan(typeName string, prior State, config map[string]any) (State, []string) {
	s.t.Helper()
	cfg := s.object(typeName, config, nil)
	proposed := s.object(typeName, config, prior)
	priorValue := tftypes.NewValue(s.Schema(typeName).ValueType(), nil)
	if prior != nil {
		priorValue = tftypes.NewValue(s.Schema(typeName).ValueType(), map[string]tftypes.Value(prior))
	}
	resp, err := s.srv.PlanResourceChange(s.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName:         typeName,
		PriorState:       s.dynamic(typeName, priorValue),
		ProposedNewState: s.dynamic(typeName, proposed),
		Config:           s.dynamic(typeName, cfg),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	failOnErrors(s.t, "plan", resp.Diagnostics)
	var replace []string
	for _, p := range resp.RequiresReplace {
		replace = append(replace, fmt.Sprint(p.Steps()[0]))
	}
	return s.state(typeName, resp.PlannedState), replace
}

// Create validates, plans and applies a new resource and returns its state.
func (s *Server) Create(typeName string, config map[string]any) State {
	s.t.Helper()
	if diags := s.Validate(typeName, config); len(diags) > 0 {
		s.t.Fatalf("validate: %s: %s", diags[0].Summary, diags[0].Detail)
	}
	planned, _ := s.Plan(typeName, nil, config)
	typ := s.Schema(typeName).ValueType()
	resp, err := s.srv.ApplyResourceChange(s.ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName:     typeName,
		PriorState:   s.dynamic(typeName, tftypes.NewValue(typ, nil)),
		PlannedState: s.dynamic(typeName, tftypes.NewValue(typ, map[string]tftypes.Value(planned))),
		Config:       s.dynamic(typeName, s.object(typeName, config, nil)),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	failOnErrors(s.t, "apply", resp.Diagnostics)
	return s.state(typeName, resp.NewState)
}

// Read refreshes state; the result is nil when the resource is gone.
func (s *Server) Read(typeName string, current State) State {
	s.t.Helper()
	typ := s.Schema(typeName).ValueType()
	resp, err := s.srv.ReadResource(s.ctx, &tfprotov6.ReadResourceRequest{
		TypeName:     typeName,
		CurrentState: s.dynamic(typeName, tftypes.NewValue(typ, map[string]tftypes.Value(current))),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	failOnErrors(s.t, "read", resp.Diagnostics)
	return s.state(typeName, resp.NewState)
}

// object builds a full object value from Go values (string, int64, bool,
// map[string]string); unset attributes are null, or, when prior is given and
// the attribute is computed, the prior value (OpenTofu's proposed new state).
func (s *Server) object(typeName string, values map[string]any, prior State) tftypes.Value {
	s.t.Helper()
	typ := s.Schema(typeName).ValueType().(tftypes.Object)
	attrs := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		v, ok := values[name]
		switch {
		case ok:
			if m, isMap := v.(map[string]string); isMap {
				elems := map[string]tftypes.Value{}
				for k, e := range m {
					elems[k] = tftypes.NewValue(tftypes.String, e)
				}
				v = elems
			}
			attrs[name] = tftypes.NewValue(attrType, v)
		case prior != nil && s.Attribute(typeName, name).Computed:
			attrs[name] = prior[name]
		default:
			attrs[name] = tftypes.NewValue(attrType, nil)
		}
	}
	return tftypes.NewValue(typ, attrs)
}

func (s *Server) dynamic(typeName string, v tftypes.Value) *tfprotov6.DynamicValue {
	s.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(s.Schema(typeName).ValueType(), v)
	if err != nil {
		s.t.Fatal(err)
	}
	return &dv
}

func (s *Server) state(typeName string, dv *tfprotov6.DynamicValue) State {
	s.t.Helper()
	v, err := dv.Unmarshal(s.Schema(typeName).ValueType())
	if err != nil {
		s.t.Fatal(err)
	}
	if v.IsNull() {
		return nil
	}
	var out map[string]tftypes.Value
	if err := v.As(&out); err != nil {
		s.t.Fatal(err)
	}
	return out
}

func errorsOnly(diags []*tfprotov6.Diagnostic) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			out = append(out, d)
		}
	}
	return out
}

func failOnErrors(t testing.TB, step string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	if errs := errorsOnly(diags); len(errs) > 0 {
		t.Fatalf("%s: %s: %s", step, errs[0].Summary, errs[0].Detail)
	}
}
