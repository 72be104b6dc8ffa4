package main

import (
	"slices"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
)

func TestSimOptions(t *testing.T) {
	cases := []struct {
		name              string
		cfg               config.Config
		regions, accounts []string
	}{
		{"no config", config.Config{}, []string{"us-east-1"}, nil},
		{"regions", config.Config{Regions: []string{"us-east-1", "eu-west-1"}}, []string{"us-east-1", "us-east-1", "eu-west-1"}, nil},
		{"roles", config.Config{Accounts: []config.Account{
			{RoleARN: "arn:aws:iam::210987654321:role/r", Regions: []string{"ap-south-1"}},
			{RoleARN: "arn:aws:iam::111122223333:role/path/r"},
		}}, []string{"us-east-1", "ap-south-1"}, []string{"123456789012", "210987654321", "111122223333"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := simOptions(&tc.cfg, "us-east-1", 7)
			if o.Region != "us-east-1" || o.Instances != 7 || !slices.Equal(o.Regions, tc.regions) || !slices.Equal(o.Accounts, tc.accounts) {
				t.Errorf("options %+v, want regions %v accounts %v", o, tc.regions, tc.accounts)
			}
		})
	}
}
