package awssim

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
)

// listTagsResult is the ListTagsForResourceResult element.
type listTagsResult struct {
	XMLName xml.Name `xml:"ListTagsForResourceResult"`
	TagList []xmlTag `xml:"TagList>Tag"`
}

// listTagsForResource serves ListTagsForResource: the tags of the
// instance, cluster or proxy of the caller's account and the request's
// region that ResourceName (an ARN) names. An ARN of nothing there gets
// the not-found error of its resource type.
func (s *Server) listTagsForResource(form url.Values, _ *http.Request, sc scope) (any, *apiError) {
	arn := form.Get("ResourceName")
	if arn == "" {
		return nil, errMissingParameter("ResourceName")
	}
	rsc, kind, name, ok := splitRDSARN(arn)
	if !ok {
		return nil, errInvalidParameter(fmt.Sprintf("The specified resource name %s is not a valid ARN.", arn))
	}
	tags, e := s.fleet(sc).tagsOf(rsc == sc, arn, kind, name)
	if e != nil {
		return nil, e
	}
	return listTagsResult{TagList: tagList(tags)}, nil
}

// tagsOf returns the tags of a fleet's resource of the given ARN, split
// into its type and name; here is false for ARNs of another scope.
func (fl *fleet) tagsOf(here bool, arn, kind, name string) (map[string]string, *apiError) {
	switch kind {
	case "db":
		if in := fl.byID[name]; here && in != nil {
			return in.Tags, nil
		}
		return nil, errNotFound("DBInstanceNotFound", "DBInstance", name)
	case "cluster":
		if c := fl.clusterBy[name]; here && c != nil {
			return c.Tags, nil
		}
		return nil, errNotFound("DBClusterNotFoundFault", "DBCluster", name)
	case "db-proxy":
		for i := range fl.proxies {
			if here && fl.proxies[i].ARN == arn {
				return fl.proxies[i].Tags, nil
			}
		}
		return nil, errNotFound("DBProxyNotFoundFault", "DBProxy", name)
	}
	return nil, errInvalidParameter(fmt.Sprintf("The specified resource name %s does not name a DB instance, DB cluster or DB proxy.", arn))
}
