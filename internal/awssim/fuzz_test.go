package awssim

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/encoding/cbor"
)

// sdkRequest is a request the real SDK sent: the seeds of the fuzz targets.
type sdkRequest struct {
	path, auth string
	body       []byte
}

// recordSDKRequests sends a GetMetricData, a ListMetrics, a filtered and
// paged DescribeDBInstances, an AssumeRole and a GetCallerIdentity with the
// real SDK to a simulator on loopback, and returns the requests as sent.
func recordSDKRequests(f *testing.F) []sdkRequest {
	f.Helper()
	sim := New(Options{Now: func() time.Time { return testNow }})
	var mu sync.Mutex
	var reqs []sdkRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, sdkRequest{path: r.URL.Path, auth: r.Header.Get("Authorization"), body: body})
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		sim.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(sim.Region()),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")),
		config.WithBaseEndpoint(srv.URL), config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }))
	if err != nil {
		f.Fatal(err)
	}
	ctx, start := context.Background(), testNow.Add(-3*time.Hour)
	id := sim.Instances()[0].ID
	cw := cloudwatch.NewFromConfig(cfg)
	_, err = cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &testNow, ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{rdsQuery("cpu", id, "CPUUtilization", "Average", 60), rdsQuery("conn", id, "DatabaseConnections", "Maximum", 300)}})
	errs := []error{err}
	_, err = cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/RDS"), MetricName: aws.String("CPUUtilization"),
		Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("DBInstanceIdentifier"), Value: aws.String(id)}}})
	errs = append(errs, err)
	_, err = rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(20), Marker: aws.String("x"),
		Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{"postgres", "mysql"}}}})
	errs = append(errs, ignoreAPIError(err))
	stsc := sts.NewFromConfig(cfg)
	_, err = stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::210987654321:role/rds-reader"), RoleSessionName: aws.String("fuzz"), DurationSeconds: aws.Int32(900)})
	errs = append(errs, err)
	_, err = stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err := errors.Join(append(errs, err)...); err != nil {
		f.Fatal(err)
	}
	return reqs
}

// ignoreAPIError drops the error answers of the simulator (a seed may be
// a request it refuses) and keeps transport errors.
func ignoreAPIError(err error) error {
	if errorCode(err) != "" {
		return nil
	}
	return err
}

// cwOps are the CloudWatch operations FuzzCloudWatchRequest posts to.
var cwOps = []string{opGetMetricData, opListMetrics, "DeleteAlarms"}

// FuzzCloudWatchRequest posts arbitrary bodies to the CloudWatch operations
// in RPCv2 CBOR: the simulator never panics, and answers 200 with a CBOR
// map or a protocol error (400 with a {__type, message} CBOR body and the
// X-Amzn-Query-Error header). Seeds: the real SDK's GetMetricData and
// ListMetrics requests, and testdata/fuzz/FuzzCloudWatchRequest.
// Longer runs: go test -run '^$' -fuzz FuzzCloudWatchRequest -fuzztime 10m ./internal/awssim/
func FuzzCloudWatchRequest(f *testing.F) {
	for _, r := range recordSDKRequests(f) {
		for i, op := range cwOps {
			if strings.HasSuffix(r.path, "/"+op) {
				f.Add(uint8(i), r.body)
			}
		}
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(0), cbor.Encode(cbor.Map{"MetricDataQueries": cbor.List{}, "StartTime": &cbor.Tag{ID: 1, Value: cbor.Float64(1e300)}}))
	f.Add(uint8(1), cbor.Encode(cbor.Map{"Dimensions": cbor.List{cbor.Map{"Name": cbor.Uint(1)}}}))
	sim := New(Options{Now: func() time.Time { return testNow }})
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		req := httptest.NewRequest(http.MethodPost, cwPathPrefix+cwOps[int(op)%len(cwOps)], bytes.NewReader(body))
		req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		req.Header.Set("Content-Type", "application/cbor")
		w := httptest.NewRecorder()
		sim.Handler().ServeHTTP(w, req)
		checkCBORAnswer(t, w)
	})
}

// checkCBORAnswer checks that w holds a success or a protocol error.
func checkCBORAnswer(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
		t.Fatalf("status %d", w.Code)
	}
	v, err := cbor.Decode(w.Body.Bytes())
	if err != nil {
		t.Fatalf("status %d, body not CBOR: %v", w.Code, err)
	}
	m, ok := v.(cbor.Map)
	if !ok {
		t.Fatalf("status %d, body a %T, want a map", w.Code, v)
	}
	if w.Code == http.StatusOK {
		return
	}
	typ, _ := m["__type"].(cbor.String)
	msg, _ := m["message"].(cbor.String)
	if typ == "" || msg == "" || w.Header().Get("X-Amzn-Query-Error") == "" {
		t.Fatalf("error answer without __type, message or X-Amzn-Query-Error: %v %v", m, w.Header())
	}
}

// FuzzQueryRequest posts arbitrary form bodies and Authorization headers
// to the awsQuery endpoint (RDS and STS): the simulator never panics, and
// answers 200 with an <Action>Response document or a protocol error (4xx
// with an <ErrorResponse> that has a Code). Seeds: the real SDK's
// DescribeDBInstances, AssumeRole and GetCallerIdentity requests, and
// testdata/fuzz/FuzzQueryRequest.
// Longer runs: go test -run '^$' -fuzz FuzzQueryRequest -fuzztime 10m ./internal/awssim/
func FuzzQueryRequest(f *testing.F) {
	for _, r := range recordSDKRequests(f) {
		if r.path == "/" {
			f.Add(string(r.body), r.auth)
		}
	}
	f.Add("Action=DescribeDBInstances&Version=2014-10-31&Marker=%ff&MaxRecords=1e9", "")
	f.Add("Action=GetCallerIdentity&Version=2011-06-15", "AWS4-HMAC-SHA256 Credential=/")
	f.Add("Action=AssumeRole&RoleArn=arn:aws:iam::1:role/&RoleSessionName=&DurationSeconds=-1", "")
	f.Add("%", "")
	sim := New(Options{Now: func() time.Time { return testNow }})
	f.Fuzz(func(t *testing.T, body, auth string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		sim.Handler().ServeHTTP(w, req)
		checkXMLAnswer(t, w)
	})
}

// checkXMLAnswer checks that w holds a success or a protocol error.
func checkXMLAnswer(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	var doc struct {
		XMLName xml.Name
		Code    string `xml:"Error>Code"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("status %d, body not XML: %v: %q", w.Code, err, w.Body)
	}
	switch {
	case w.Code == http.StatusOK:
		if !strings.HasSuffix(doc.XMLName.Local, "Response") || doc.XMLName.Local == "ErrorResponse" {
			t.Fatalf("status 200 with a <%s> document", doc.XMLName.Local)
		}
	case w.Code >= 400 && w.Code < 500:
		if doc.XMLName.Local != "ErrorResponse" || doc.Code == "" {
			t.Fatalf("status %d with a <%s> document, code %q", w.Code, doc.XMLName.Local, doc.Code)
		}
	default:
		t.Fatalf("status %d", w.Code)
	}
}
