package catalog

import (
	"slices"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// The expected labels follow YACE's PromStringTag (pkg/promutil): without
// -labels-snake-case it sanitizes (space , tab / \ . - : = @ < > ( ) and “
// become _, % becomes _percent); with it, it takes PromString's snake case,
// which splits a word only where an upper-case letter follows a lower-case
// letter or a digit (DBInstanceIdentifier -> dbinstance_identifier).
func TestTagAndDimensionLabels(t *testing.T) {
	for _, tc := range []struct {
		key, camel, snake string
		ok                bool
	}{
		{"team", "tag_team", "tag_team", true},
		{"Name", "tag_Name", "tag_name", true},
		{"CostCenter", "tag_CostCenter", "tag_cost_center", true},
		{"cost-center", "tag_cost_center", "tag_cost_center", true},
		{"aws:cloudformation:stack-name", "tag_aws_cloudformation_stack_name", "tag_aws_cloudformation_stack_name", true},
		{"owner@example.com", "tag_owner_example_com", "tag_owner_example_com", true},
		{"a b/c(d)", "tag_a_b_c_d_", "tag_a_b_c_d_", true},
		{"CPU%", "tag_CPU_percent", "tag_cpu_percent", true},
		{"“quoted", "tag__quoted", "tag__quoted", true},
		{"été", "tag_été", "tag_été", false},
		{"a+b", "tag_a+b", "tag_a+b", false},
	} {
		for _, l := range []struct {
			labeling Labeling
			want     string
		}{{Labeling{}, tc.camel}, {Labeling{SnakeCase: true}, tc.snake}} {
			got, ok := l.labeling.TagLabel(tc.key)
			if got != l.want || ok != tc.ok {
				t.Errorf("%+v.TagLabel(%q) = %q, %v; want %q, %v", l.labeling, tc.key, got, ok, l.want, tc.ok)
			}
		}
	}
	for _, tc := range []struct{ dim, camel, snake string }{
		{model.DimInstance, "dimension_DBInstanceIdentifier", "dimension_dbinstance_identifier"},
		{model.DimCluster, "dimension_DBClusterIdentifier", "dimension_dbcluster_identifier"},
		{model.DimProxy, "dimension_ProxyName", "dimension_proxy_name"},
		{model.DimRole, "dimension_Role", "dimension_role"},
		{model.DimClass, "dimension_DatabaseClass", "dimension_database_class"},
		{model.DimEngine, "dimension_EngineName", "dimension_engine_name"},
	} {
		if got := (Labeling{}).DimensionLabel(tc.dim); got != tc.camel {
			t.Errorf("DimensionLabel(%q) = %q, want %q", tc.dim, got, tc.camel)
		}
		if got := (Labeling{SnakeCase: true}).DimensionLabel(tc.dim); got != tc.snake {
			t.Errorf("snake-case DimensionLabel(%q) = %q, want %q", tc.dim, got, tc.snake)
		}
	}
	if LabelInstanceID != (Labeling{}).DimensionLabel(model.DimInstance) ||
		LabelClusterID != (Labeling{}).DimensionLabel(model.DimCluster) ||
		LabelProxyName != (Labeling{}).DimensionLabel(model.DimProxy) {
		t.Error("the label constants are not the default dimension labels")
	}
}

func TestIdentityLabels(t *testing.T) {
	tg := model.Target{AccountID: "123456789012", Region: "eu-west-1"}
	labels := func(ls ...string) []Label {
		var out []Label
		for i := 0; i < len(ls); i += 2 {
			out = append(out, Label{ls[i], ls[i+1]})
		}
		return append(out, Label{"region", "eu-west-1"}, Label{"account_id", "123456789012"})
	}
	clusterARN := tg.ARN(model.KindCluster, "c-1")
	for _, tc := range []struct {
		r           model.Resource
		camel, snek []Label
	}{
		{model.Resource{Target: tg, Kind: model.KindDBInstance, ID: "db-1", ARN: tg.ARN(model.KindDBInstance, "db-1")},
			labels("name", "arn:aws:rds:eu-west-1:123456789012:db:db-1", "dimension_DBInstanceIdentifier", "db-1"),
			labels("name", "arn:aws:rds:eu-west-1:123456789012:db:db-1", "dimension_dbinstance_identifier", "db-1")},
		{model.Resource{Target: tg, Kind: model.KindCluster, ID: "c-1", ARN: clusterARN},
			labels("name", "arn:aws:rds:eu-west-1:123456789012:cluster:c-1", "dimension_DBClusterIdentifier", "c-1"),
			labels("name", "arn:aws:rds:eu-west-1:123456789012:cluster:c-1", "dimension_dbcluster_identifier", "c-1")},
		{model.Resource{Target: tg, Kind: model.KindProxy, ID: "px", ARN: "arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0123"},
			labels("name", "arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0123", "dimension_ProxyName", "px"),
			labels("name", "arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0123", "dimension_proxy_name", "px")},
		{model.Resource{Target: tg, Kind: model.KindClusterRole, ID: "c-1", ARN: clusterARN, Role: model.RoleReader},
			labels("name", clusterARN, "dimension_DBClusterIdentifier", "c-1", "dimension_Role", "READER"),
			labels("name", clusterARN, "dimension_dbcluster_identifier", "c-1", "dimension_role", "READER")},
		{model.Resource{Target: tg, Kind: model.KindDatabaseClass, ID: "db.r6g.large"},
			labels("name", "global", "dimension_DatabaseClass", "db.r6g.large"),
			labels("name", "global", "dimension_database_class", "db.r6g.large")},
		{model.Resource{Target: tg, Kind: model.KindEngineName, ID: "postgres"},
			labels("name", "global", "dimension_EngineName", "postgres"),
			labels("name", "global", "dimension_engine_name", "postgres")},
	} {
		if got := (Labeling{}).Identity(tc.r); !slices.Equal(got, tc.camel) {
			t.Errorf("Identity(%s) = %v, want %v", tc.r.Kind, got, tc.camel)
		}
		if got := (Labeling{SnakeCase: true}).Identity(tc.r); !slices.Equal(got, tc.snek) {
			t.Errorf("snake-case Identity(%s) = %v, want %v", tc.r.Kind, got, tc.snek)
		}
	}
}

// Value series carry, after the identity, account_alias when the account
// has one and one label per exported tag key, empty when the resource
// lacks the tag (YACE's MetricTags); invalid and repeated label names
// count once or not at all.
func TestSeriesLabels(t *testing.T) {
	tg := model.Target{AccountID: "123456789012", Region: "eu-west-1"}
	d := model.Described{
		Resource: model.Resource{Target: tg, Kind: model.KindDBInstance, ID: "db-1", ARN: tg.ARN(model.KindDBInstance, "db-1")},
		Tags:     map[string]string{"team": "data", "cost-center": "42", "Env": "prod"},
	}
	identity := (Labeling{}).Identity(d.Resource)
	l := Labeling{ExportedTags: []string{"team", "Owner", "cost-center", "cost.center", "été", "Env"}}
	want := append(slices.Clone(identity),
		Label{"tag_Env", "prod"}, Label{"tag_Owner", ""}, Label{"tag_cost_center", "42"}, Label{"tag_team", "data"})
	if got := l.Series(d); !slices.Equal(got, want) {
		t.Errorf("Series = %v, want %v", got, want)
	}
	d.AccountAlias = "acme-prod"
	want = slices.Insert(want, len(identity), Label{"account_alias", "acme-prod"})
	if got := l.Series(d); !slices.Equal(got, want) {
		t.Errorf("Series with an alias = %v, want %v", got, want)
	}
	snake := Labeling{SnakeCase: true, ExportedTags: []string{"Env", "CostCenter"}}
	if got := snake.ExportedTagLabels(); !slices.Equal(got, []string{"tag_cost_center", "tag_env"}) {
		t.Errorf("snake-case ExportedTagLabels = %v", got)
	}
	if got := (Labeling{}).Series(model.Described{Resource: d.Resource}); !slices.Equal(got, identity) {
		t.Errorf("Series without alias and exported tags = %v, want the identity %v", got, identity)
	}
}

func TestTags(t *testing.T) {
	labels, dropped := (Labeling{}).Tags(map[string]string{"b": "2", "a-x": "1", "a_x": "3", "été": "4"})
	if want := []Label{{"tag_a_x", "1"}, {"tag_b", "2"}}; !slices.Equal(labels, want) {
		t.Errorf("Tags = %v, want %v", labels, want)
	}
	if !slices.Equal(dropped, []string{"été"}) {
		t.Errorf("dropped %v, want [été]", dropped)
	}
}
