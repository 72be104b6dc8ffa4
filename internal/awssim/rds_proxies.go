package awssim

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// describeProxiesResult is the DescribeDBProxiesResult element.
type describeProxiesResult struct {
	XMLName xml.Name     `xml:"DescribeDBProxiesResult"`
	Proxies []xmlDBProxy `xml:"DBProxies>member"`
	Marker  string       `xml:",omitempty"`
}

// xmlDBProxy is a DBProxy element; field names are the XML names.
type xmlDBProxy struct {
	DBProxyName         string
	DBProxyArn          string
	Status              string
	EngineFamily        string
	VpcID               string   `xml:"VpcId"`
	VpcSecurityGroupIDs []string `xml:"VpcSecurityGroupIds>member"`
	VpcSubnetIDs        []string `xml:"VpcSubnetIds>member"`
	RoleArn             string
	Endpoint            string
	RequireTLS          bool
	IdleClientTimeout   int32
	DebugLogging        bool
	CreatedDate         string
	UpdatedDate         string
}

// describeDBProxies serves DescribeDBProxies: the RDS Proxies of the
// caller's account in the request's region sorted by name, with Marker
// paging (MaxRecords 20..100, default 100) and DBProxyName (unknown:
// DBProxyNotFoundFault). Filters are refused, as RDS does not support them.
func (s *Server) describeDBProxies(form url.Values, _ *http.Request, sc scope) (any, *apiError) {
	if _, e := parseRDSFilters(form); e != nil {
		return nil, e
	}
	fl, name := s.fleet(sc), form.Get("DBProxyName")
	var matched []*proxy
	for i := range fl.proxies {
		if p := &fl.proxies[i]; name == "" || name == p.Name {
			matched = append(matched, p)
		}
	}
	if name != "" && len(matched) == 0 {
		return nil, errNotFound("DBProxyNotFoundFault", "DBProxy", name)
	}
	slices.SortFunc(matched, func(a, b *proxy) int { return strings.Compare(a.Name, b.Name) })
	page, marker, e := pageOf(form, matched)
	if e != nil {
		return nil, e
	}
	res := describeProxiesResult{Proxies: make([]xmlDBProxy, 0, len(page)), Marker: marker}
	for _, p := range page {
		res.Proxies = append(res.Proxies, toXMLProxy(p))
	}
	return res, nil
}

// toXMLProxy converts a proxy to its DBProxy element.
func toXMLProxy(p *proxy) xmlDBProxy {
	created := p.CreateTime.UTC().Format("2006-01-02T15:04:05.000Z")
	return xmlDBProxy{
		DBProxyName:         p.Name,
		DBProxyArn:          p.ARN,
		Status:              p.Status,
		EngineFamily:        p.EngineFamily,
		VpcID:               p.VpcID,
		VpcSecurityGroupIDs: []string{"sg-" + hashChars(hash2(p.hash, 20), 17, hexLower)},
		VpcSubnetIDs:        []string{"subnet-" + hashChars(hash2(p.hash, 21), 17, hexLower), "subnet-" + hashChars(hash2(p.hash, 22), 17, hexLower)},
		RoleArn:             p.RoleARN,
		Endpoint:            p.Endpoint,
		RequireTLS:          p.RequireTLS,
		IdleClientTimeout:   p.IdleClientTimeout,
		CreatedDate:         created,
		UpdatedDate:         created,
	}
}
