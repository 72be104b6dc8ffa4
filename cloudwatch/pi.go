package cloudwatch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"golang.org/x/time/rate"
)

// The Performance Insights API speaks JSON 1.1: POST / with the operation
// in X-Amz-Target, signed with SigV4 for the service "pi". The module
// service/pi is not available here, so this file calls it with the SDK's
// own parts: the config's credentials, HTTP client and retryer, and the
// SigV4 signer.
const (
	piServiceID   = "PI"
	piSigningName = "pi"
	piTarget      = "PerformanceInsightsv20180227."
	piContentType = "application/x-amz-json-1.1"
)

// ErrPINotAuthorized is Performance Insights' NotAuthorizedException:
// Performance Insights is off for the instance, or the credentials may not
// read it (AWS does not say which).
var ErrPINotAuthorized = errors.New("not authorized for Performance Insights (off for the instance, or denied to the credentials)")

// PerformanceInsights calls the Performance Insights API of one account and
// region. It is safe for concurrent use; every call waits for the limiter.
type PerformanceInsights struct {
	region   string
	endpoint string
	creds    aws.CredentialsProvider
	http     aws.HTTPClient
	signer   *v4.Signer
	retryer  aws.RetryerV2
	limiter  *rate.Limiter
	obs      SourceObserver
}

// NewPerformanceInsights returns a client built from cfg as
// config.LoadDefaultConfig loads it: its region, credentials, HTTP client,
// retryer (or retry mode and maximum attempts) and endpoint
// (AWS_ENDPOINT_URL_PI, the profile's services section or
// AWS_ENDPOINT_URL, as the SDK's own clients resolve theirs; else
// https://pi.<region>.amazonaws.com).
func NewPerformanceInsights(cfg aws.Config, o SourceOptions) (*PerformanceInsights, error) {
	if cfg.Region == "" {
		return nil, errors.New("performance insights client: no region")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("performance insights client: no credentials")
	}
	endpoint := "https://pi." + cfg.Region + ".amazonaws.com"
	if strings.HasPrefix(cfg.Region, "cn-") {
		endpoint += ".cn"
	}
	if ep := piBaseEndpoint(cfg); ep != nil {
		endpoint = strings.TrimSuffix(*ep, "/")
	}
	obs := o.observer()
	return &PerformanceInsights{
		region: cfg.Region, endpoint: endpoint, creds: cfg.Credentials,
		http: countBytes(cfg.HTTPClient, obs), signer: v4.NewSigner(),
		retryer: piRetryer(cfg, o.MaxAttempts), limiter: o.limiter(), obs: obs,
	}, nil
}

// piBaseEndpoint resolves the endpoint as the SDK's generated clients do:
// AWS_ENDPOINT_URL (cfg.BaseEndpoint) unless a PI-specific endpoint is
// configured in the environment or the shared config.
func piBaseEndpoint(cfg aws.Config) *string {
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, own := os.LookupEnv("AWS_ENDPOINT_URL_PI")
	if global && !own {
		return cfg.BaseEndpoint
	}
	ctx := context.Background()
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(interface {
			GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
		}); ok {
			if ignore, found, err := p.GetIgnoreConfiguredEndpoints(ctx); err == nil && found && ignore {
				return cfg.BaseEndpoint
			}
		}
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(interface {
			GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
		}); ok {
			if v, found, err := p.GetServiceBaseEndpoint(ctx, piServiceID); err == nil && found {
				return &v
			}
		}
	}
	return cfg.BaseEndpoint
}

// piRetryer returns the config's retryer, or the one its retry mode and
// maximum attempts describe, with maxAttempts applied when positive.
func piRetryer(cfg aws.Config, maxAttempts int) aws.RetryerV2 {
	var r aws.Retryer
	switch {
	case cfg.Retryer != nil:
		r = cfg.Retryer()
	case cfg.RetryMode == aws.RetryModeAdaptive:
		r = retry.NewAdaptiveMode()
	default:
		r = retry.NewStandard()
	}
	if cfg.Retryer == nil && cfg.RetryMaxAttempts > 0 {
		r = retry.AddWithMaxAttempts(r, cfg.RetryMaxAttempts)
	}
	if maxAttempts > 0 {
		r = retry.AddWithMaxAttempts(r, maxAttempts)
	}
	return asRetryerV2(r)
}

// call runs one operation: it waits for the limiter, sends the JSON of in
// with the config's retries and decodes the answer into out. Errors are
// the SDK's: a smithy.OperationError around an API error that says its
// code and HTTP status.
func (p *PerformanceInsights) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", op, err)
	}
	if err := p.limiter.Wait(ctx); err != nil {
		return fmt.Errorf("%s: wait for rate limiter: %w", op, err)
	}
	err = p.withRetries(ctx, op, func() error { return p.send(ctx, op, body, out) })
	p.obs.Request(op, err)
	if err != nil {
		return &smithy.OperationError{ServiceID: piServiceID, OperationName: op, Err: err}
	}
	return nil
}

// withRetries runs attempt until it succeeds, the retryer gives up or ctx
// ends, as the SDK's retry middleware does.
func (p *PerformanceInsights) withRetries(ctx context.Context, op string, attempt func() error) error {
	for n := 1; ; n++ {
		release, err := p.retryer.GetAttemptToken(ctx)
		if err != nil {
			return fmt.Errorf("get attempt token: %w", err)
		}
		err = attempt()
		_ = release(err)
		if err == nil {
			return nil
		}
		if isThrottle(err) {
			p.obs.Throttled(op)
		}
		if !p.retryer.IsErrorRetryable(err) {
			return err
		}
		if limit := p.retryer.MaxAttempts(); limit > 0 && n >= limit {
			return &retry.MaxAttemptsError{Attempt: n, Err: err}
		}
		if _, qerr := p.retryer.GetRetryToken(ctx, err); qerr != nil {
			return err
		}
		delay, derr := p.retryer.RetryDelay(n, err)
		if derr != nil {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// send makes one signed attempt of op.
func (p *PerformanceInsights) send(ctx context.Context, op string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", piContentType)
	req.Header.Set("X-Amz-Target", piTarget+op)
	creds, err := p.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := p.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), piSigningName, p.region, time.Now()); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return &smithyhttp.RequestSendError{Err: err}
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return piResponseError(resp, payload)
	}
	if err := json.Unmarshal(payload, out); err != nil {
		return &smithy.DeserializationError{Err: err, Snapshot: payload[:min(len(payload), 1024)]}
	}
	return nil
}

// piResponseError builds the SDK's error for an error answer: the code
// from __type (or X-Amzn-ErrorType) without its namespace, the message
// from message or Message. NotAuthorizedException also matches
// ErrPINotAuthorized.
func piResponseError(resp *http.Response, payload []byte) error {
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
		Msg     string `json:"Message"`
	}
	_ = json.Unmarshal(payload, &body)
	code := body.Type
	if code == "" {
		code = resp.Header.Get("X-Amzn-ErrorType")
	}
	code, _, _ = strings.Cut(code, ":")
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = "UnknownError"
	}
	api := &smithy.GenericAPIError{Code: code, Message: body.Message + body.Msg, Fault: smithy.FaultClient}
	if resp.StatusCode >= 500 {
		api.Fault = smithy.FaultServer
	}
	var err error = api
	if code == "NotAuthorizedException" {
		err = &piNotAuthorized{api}
	}
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: err},
		RequestID:     resp.Header.Get("X-Amzn-Requestid"),
	}
}

// piNotAuthorized is NotAuthorizedException, which is also
// ErrPINotAuthorized.
type piNotAuthorized struct{ *smithy.GenericAPIError }

// Is makes errors.Is(err, ErrPINotAuthorized) true.
func (*piNotAuthorized) Is(target error) bool { return target == ErrPINotAuthorized }

// Wire shapes of the API reference (PI API version 2018-02-27);
// timestamps are epoch seconds, as JSON 1.1 writes them.
type (
	piDimensionGroupJSON struct {
		Group      string   `json:"Group"`
		Dimensions []string `json:"Dimensions,omitempty"`
		Limit      *int32   `json:"Limit,omitempty"`
	}
	piMetricQueryJSON struct {
		Metric  string                `json:"Metric"`
		GroupBy *piDimensionGroupJSON `json:"GroupBy,omitempty"`
		Filter  map[string]string     `json:"Filter,omitempty"`
	}
	getResourceMetricsRequest struct {
		ServiceType     string              `json:"ServiceType"`
		Identifier      string              `json:"Identifier"`
		MetricQueries   []piMetricQueryJSON `json:"MetricQueries"`
		StartTime       float64             `json:"StartTime"`
		EndTime         float64             `json:"EndTime"`
		PeriodInSeconds *int32              `json:"PeriodInSeconds,omitempty"`
		MaxResults      *int32              `json:"MaxResults,omitempty"`
		NextToken       *string             `json:"NextToken,omitempty"`
		PeriodAlignment string              `json:"PeriodAlignment,omitempty"`
	}
	getResourceMetricsResponse struct {
		AlignedStartTime float64 `json:"AlignedStartTime"`
		AlignedEndTime   float64 `json:"AlignedEndTime"`
		Identifier       string  `json:"Identifier"`
		MetricList       []struct {
			Key struct {
				Metric     string            `json:"Metric"`
				Dimensions map[string]string `json:"Dimensions"`
			} `json:"Key"`
			DataPoints []struct {
				Timestamp float64 `json:"Timestamp"`
				Value     float64 `json:"Value"`
			} `json:"DataPoints"`
		} `json:"MetricList"`
		NextToken *string `json:"NextToken"`
	}
	describeDimensionKeysRequest struct {
		ServiceType     string               `json:"ServiceType"`
		Identifier      string               `json:"Identifier"`
		StartTime       float64              `json:"StartTime"`
		EndTime         float64              `json:"EndTime"`
		Metric          string               `json:"Metric"`
		PeriodInSeconds *int32               `json:"PeriodInSeconds,omitempty"`
		GroupBy         piDimensionGroupJSON `json:"GroupBy"`
		Filter          map[string]string    `json:"Filter,omitempty"`
		MaxResults      *int32               `json:"MaxResults,omitempty"`
		NextToken       *string              `json:"NextToken,omitempty"`
	}
	describeDimensionKeysResponse struct {
		AlignedStartTime float64 `json:"AlignedStartTime"`
		AlignedEndTime   float64 `json:"AlignedEndTime"`
		Keys             []struct {
			Dimensions map[string]string `json:"Dimensions"`
			Total      float64           `json:"Total"`
		} `json:"Keys"`
		NextToken *string `json:"NextToken"`
	}
)
