package yace

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The conversions of YACE's RDS example and of a file with every AWS/RDS
// option: the config and the notes are golden files, and the config is
// one config.Parse accepts.
func TestConvert(t *testing.T) {
	for _, name := range []string{"rds", "full", "static"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".yml")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(data, path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Convert(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := config.Parse(res.Config, "converted.yml"); err != nil {
				t.Errorf("the converted config is not valid: %v", err)
			}
			golden(t, filepath.Join("testdata", name+".converted.yml"), string(res.Config))
			golden(t, filepath.Join("testdata", name+".notes.txt"), strings.Join(res.Notes, "\n")+"\n")
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// YACE's format is decoded strictly; a file without an AWS/RDS job has
// nothing to convert.
func TestInvalid(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"invalid-unknown-key.yml", `testdata/invalid-unknown-key.yml:6: unknown key "metric" in a YACE job`},
		{"invalid-types.yml", "testdata/invalid-types.yml:4: cannot unmarshal !!str `us-east-1` into []string\n" +
			"testdata/invalid-types.yml:5: cannot unmarshal !!str `five` into int64"},
		{"invalid-api-version.yml", `testdata/invalid-api-version.yml:1: apiVersion: "v2" is not YACE's v1alpha1`},
		{"invalid-empty.yml", `testdata/invalid-empty.yml: empty file: not a YACE config`},
		{"invalid-no-rds-job.yml", `testdata/invalid-no-rds-job.yml: no AWS/RDS job (a discovery job of type AWS/RDS or a static job of namespace AWS/RDS): nothing to convert`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(data, path)
			if err == nil {
				_, err = Convert(p)
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("error:\n got: %v\nwant: %s", err, tc.want)
			}
		})
	}
}
