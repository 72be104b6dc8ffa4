package awssim

import "fmt"

// Monitoring is an instance's Enhanced Monitoring and Performance Insights
// settings, as DescribeDBInstances shows them.
type Monitoring struct {
	// MonitoringInterval is the Enhanced Monitoring interval in seconds:
	// 0 (off), 1, 5, 10, 15, 30 or 60.
	MonitoringInterval int32
	// MonitoringRoleArn is the IAM role RDS publishes to CloudWatch Logs
	// with; empty when Enhanced Monitoring is off.
	MonitoringRoleArn string
	// EnhancedMonitoringResourceArn is the ARN of the instance's log stream
	// in the group RDSOSMetrics; empty when Enhanced Monitoring is off.
	EnhancedMonitoringResourceArn string
	// PerformanceInsightsEnabled says whether Performance Insights is on.
	PerformanceInsightsEnabled bool
	// PerformanceInsightsRetentionPeriod is in days: 7 (free tier), a
	// multiple of 31 up to 713, or 731. It is 0 when Performance Insights
	// is off.
	PerformanceInsightsRetentionPeriod int32
	// PerformanceInsightsKMSKeyID is the ARN of the key PI data is
	// encrypted with; empty when Performance Insights is off.
	PerformanceInsightsKMSKeyID string
}

// EnhancedMonitoring reports whether Enhanced Monitoring is on.
func (m Monitoring) EnhancedMonitoring() bool { return m.MonitoringInterval > 0 }

// osMetricsGroup is the log group Enhanced Monitoring publishes to.
const osMetricsGroup = "RDSOSMetrics"

// piFreeRetentionDays is the retention of Performance Insights' free tier.
const piFreeRetentionDays = 7

// validMonitoringInterval reports whether RDS accepts s seconds as a
// MonitoringInterval (0 turns Enhanced Monitoring off).
func validMonitoringInterval(s int32) bool {
	switch s {
	case 0, 1, 5, 10, 15, 30, 60:
		return true
	}
	return false
}

// validPIRetention reports whether RDS accepts d days as a Performance
// Insights retention period: 7, 31 times 1 to 23 months, or 731.
func validPIRetention(d int32) bool {
	return d == piFreeRetentionDays || d == 731 || (d%31 == 0 && d >= 31 && d <= 23*31)
}

// defaultMonitoring is the settings of instance i when Options.Monitoring
// is nil: Enhanced Monitoring off on every sixth instance from the fifth
// (i = 4, 10, ...), else at 60 seconds on even instances and at 1, 5, 10,
// 15 or 30 seconds on odd ones (instances 0 to 9 have 60, 1, 60, 5, off,
// 10, 60, 15, 60, 30);
// Performance Insights on four instances in five, with 7 days of retention
// except on every third instance (731 days) and every seventh (93 days).
func defaultMonitoring(i int) Monitoring {
	var m Monitoring
	if i%6 != 4 {
		m.MonitoringInterval = []int32{60, 1, 60, 5, 60, 10, 60, 15, 60, 30}[i%10]
	}
	if i%5 != 4 {
		m.PerformanceInsightsEnabled = true
		m.PerformanceInsightsRetentionPeriod = piFreeRetentionDays
		switch {
		case i%3 == 1:
			m.PerformanceInsightsRetentionPeriod = 731
		case i%7 == 5:
			m.PerformanceInsightsRetentionPeriod = 93
		}
	}
	return m
}

// setMonitoring gives every instance of the fleet its settings: those
// choose returns (nil: defaultMonitoring's), completed with the ARNs AWS
// derives and checked. The caller has finished the instances (resource
// IDs set). It panics on settings RDS would refuse, which are programming
// errors of the test that chose them.
func (fl *fleet) setMonitoring(choose func(Instance) Monitoring) {
	for i := range fl.instances {
		in := &fl.instances[i]
		m := defaultMonitoring(i)
		if choose != nil {
			m = choose(in.Instance)
		}
		in.Monitoring = completeMonitoring(in.Instance, m)
	}
}

// completeMonitoring fills in the ARNs of m that the caller left empty and
// clears those of features that are off.
func completeMonitoring(in Instance, m Monitoring) Monitoring {
	if !validMonitoringInterval(m.MonitoringInterval) {
		panic(fmt.Sprintf("awssim: %s: MonitoringInterval %d is not 0, 1, 5, 10, 15, 30 or 60", in.ID, m.MonitoringInterval))
	}
	if m.EnhancedMonitoring() {
		if m.MonitoringRoleArn == "" {
			m.MonitoringRoleArn = fmt.Sprintf("arn:aws:iam::%s:role/rds-monitoring-role", in.AccountID)
		}
		m.EnhancedMonitoringResourceArn = streamARN(in.Region, in.AccountID, in.ResourceID)
	} else {
		m.MonitoringRoleArn, m.EnhancedMonitoringResourceArn = "", ""
	}
	if !m.PerformanceInsightsEnabled {
		m.PerformanceInsightsRetentionPeriod, m.PerformanceInsightsKMSKeyID = 0, ""
		return m
	}
	if m.PerformanceInsightsRetentionPeriod == 0 {
		m.PerformanceInsightsRetentionPeriod = piFreeRetentionDays
	}
	if !validPIRetention(m.PerformanceInsightsRetentionPeriod) {
		panic(fmt.Sprintf("awssim: %s: PerformanceInsightsRetentionPeriod %d is not 7, a multiple of 31 up to 713, or 731", in.ID, m.PerformanceInsightsRetentionPeriod))
	}
	if m.PerformanceInsightsKMSKeyID == "" {
		h := strHash(in.AccountID + in.Region)
		m.PerformanceInsightsKMSKeyID = fmt.Sprintf("arn:aws:kms:%s:%s:key/%08x-%04x-4%03x-8%03x-%012x",
			in.Region, in.AccountID, uint32(h), uint16(h>>32), (h>>48)&0xfff, hash2(h, 1)&0xfff, hash2(h, 2)>>16)
	}
	return m
}

// groupARN returns the ARN of the RDSOSMetrics log group.
func groupARN(region, account string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, account, osMetricsGroup)
}

// streamARN returns the ARN of an instance's Enhanced Monitoring stream.
func streamARN(region, account, resourceID string) string {
	return groupARN(region, account) + ":log-stream:" + resourceID
}

// xmlMonitoring is the monitoring fields of a DBInstance element, named as
// DescribeDBInstances names them; features that are off leave theirs out,
// as RDS does.
type xmlMonitoring struct {
	MonitoringInterval                 int32
	MonitoringRoleArn                  string `xml:",omitempty"`
	EnhancedMonitoringResourceArn      string `xml:",omitempty"`
	PerformanceInsightsEnabled         bool
	PerformanceInsightsKMSKeyID        string `xml:"PerformanceInsightsKMSKeyId,omitempty"`
	PerformanceInsightsRetentionPeriod int32  `xml:",omitempty"`
}

// toXMLMonitoring converts the settings to their XML fields.
func toXMLMonitoring(m Monitoring) xmlMonitoring {
	return xmlMonitoring{
		MonitoringInterval:                 m.MonitoringInterval,
		MonitoringRoleArn:                  m.MonitoringRoleArn,
		EnhancedMonitoringResourceArn:      m.EnhancedMonitoringResourceArn,
		PerformanceInsightsEnabled:         m.PerformanceInsightsEnabled,
		PerformanceInsightsKMSKeyID:        m.PerformanceInsightsKMSKeyID,
		PerformanceInsightsRetentionPeriod: m.PerformanceInsightsRetentionPeriod,
	}
}
