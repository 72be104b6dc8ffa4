package awssim

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// describeClustersResult is the DescribeDBClustersResult element.
type describeClustersResult struct {
	XMLName  xml.Name       `xml:"DescribeDBClustersResult"`
	Clusters []xmlDBCluster `xml:"DBClusters>DBCluster"`
	Marker   string         `xml:",omitempty"`
}

// xmlDBCluster is a DBCluster element; field names are the XML names.
type xmlDBCluster struct {
	AllocatedStorage                 int32
	AvailabilityZones                []string `xml:"AvailabilityZones>AvailabilityZone"`
	BackupRetentionPeriod            int32
	DBClusterIdentifier              string
	Status                           string
	Endpoint                         string
	ReaderEndpoint                   string
	MultiAZ                          bool
	Engine                           string
	EngineVersion                    string
	Port                             int32
	MasterUsername                   string
	DBClusterMembers                 []xmlClusterMember `xml:"DBClusterMembers>DBClusterMember"`
	StorageEncrypted                 bool
	DbClusterResourceID              string `xml:"DbClusterResourceId"`
	DBClusterArn                     string
	ClusterCreateTime                string
	EngineMode                       string
	TagList                          []xmlTag `xml:"TagList>Tag"`
	GlobalClusterIdentifier          string   `xml:",omitempty"`
	ServerlessV2ScalingConfiguration *xmlServerlessV2
}

// xmlClusterMember is a DBClusterMember element.
type xmlClusterMember struct {
	DBInstanceIdentifier          string
	IsClusterWriter               bool
	DBClusterParameterGroupStatus string
	PromotionTier                 int
}

// xmlServerlessV2 is a ServerlessV2ScalingConfiguration element.
type xmlServerlessV2 struct{ MinCapacity, MaxCapacity float64 }

// describeDBClusters serves DescribeDBClusters: the Aurora clusters of the
// caller's account in the request's region sorted by identifier, with
// Marker paging (MaxRecords 20..100, default 100), DBClusterIdentifier
// (identifier or ARN; unknown: DBClusterNotFoundFault) and the filters
// db-cluster-id (identifiers or ARNs) and engine.
func (s *Server) describeDBClusters(form url.Values, _ *http.Request, sc scope) (any, *apiError) {
	filters, e := parseRDSFilters(form, "db-cluster-id", "engine")
	if e != nil {
		return nil, e
	}
	fl, id := s.fleet(sc), form.Get("DBClusterIdentifier")
	var matched []*cluster
	for i := range fl.clusters {
		c := &fl.clusters[i]
		if (id == "" || id == c.ID || id == c.ARN) && clusterMatches(c, filters) {
			matched = append(matched, c)
		}
	}
	if id != "" && len(matched) == 0 && !slices.ContainsFunc(fl.clusters, func(c cluster) bool { return id == c.ID || id == c.ARN }) {
		return nil, errNotFound("DBClusterNotFoundFault", "DBCluster", id)
	}
	slices.SortFunc(matched, func(a, b *cluster) int { return strings.Compare(a.ID, b.ID) })
	page, marker, e := pageOf(form, matched)
	if e != nil {
		return nil, e
	}
	res := describeClustersResult{Clusters: make([]xmlDBCluster, 0, len(page)), Marker: marker}
	for _, c := range page {
		res.Clusters = append(res.Clusters, toXMLCluster(c))
	}
	return res, nil
}

// clusterMatches reports whether the cluster passes every filter.
func clusterMatches(c *cluster, filters []rdsFilter) bool {
	for _, f := range filters {
		ok := slices.Contains(f.values, c.Engine)
		if f.name == "db-cluster-id" {
			ok = slices.Contains(f.values, c.ID) || slices.Contains(f.values, c.ARN)
		}
		if !ok {
			return false
		}
	}
	return true
}

// toXMLCluster converts a cluster to its DBCluster element.
func toXMLCluster(c *cluster) xmlDBCluster {
	x := xmlDBCluster{
		AllocatedStorage:        1,
		BackupRetentionPeriod:   7,
		DBClusterIdentifier:     c.ID,
		Status:                  c.Status,
		Endpoint:                c.Endpoint,
		ReaderEndpoint:          c.ReaderEndpoint,
		MultiAZ:                 c.MultiAZ,
		Engine:                  c.Engine,
		EngineVersion:           c.EngineVersion,
		Port:                    c.Port,
		MasterUsername:          "admin",
		StorageEncrypted:        true,
		DbClusterResourceID:     c.ResourceID,
		DBClusterArn:            c.ARN,
		ClusterCreateTime:       c.CreateTime.UTC().Format("2006-01-02T15:04:05.000Z"),
		EngineMode:              c.EngineMode,
		TagList:                 tagList(c.Tags),
		GlobalClusterIdentifier: c.GlobalClusterID,
	}
	for _, in := range c.members {
		if !slices.Contains(x.AvailabilityZones, in.AvailabilityZone) {
			x.AvailabilityZones = append(x.AvailabilityZones, in.AvailabilityZone)
		}
	}
	for j, m := range c.Members {
		x.DBClusterMembers = append(x.DBClusterMembers, xmlClusterMember{
			DBInstanceIdentifier: m.InstanceID, IsClusterWriter: m.Writer,
			DBClusterParameterGroupStatus: "in-sync", PromotionTier: min(j, 15),
		})
	}
	if c.Serverless() {
		x.ServerlessV2ScalingConfiguration = &xmlServerlessV2{MinCapacity: c.MinACU, MaxCapacity: c.MaxACU}
	}
	return x
}
