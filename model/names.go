package model

import "strconv"

// The one table of protocol and service names: the query engine filters
// and groups by them, the panes show them and export writes them, so a
// name a user sees is a name a filter accepts.

// protoNames are the IANA protocol numbers flow logs show most, by the
// short names people filter on.
var protoNames = map[uint8]string{
	1: "icmp", 2: "igmp", 4: "ipip", 6: "tcp", 17: "udp", 41: "ipv6", 47: "gre",
	50: "esp", 51: "ah", 58: "icmpv6", 89: "ospf", 112: "vrrp", 132: "sctp",
}

var protoByName = func() map[string]uint8 {
	m := make(map[string]uint8, len(protoNames))
	for n, s := range protoNames {
		m[s] = n
	}
	return m
}()

// protoTexts holds the text of every protocol number: a name, or the
// number when the protocol has no common name. Built once, as it is read
// per record and per drawn row.
var protoTexts = func() (t [256]string) {
	for n := range t {
		if s, ok := protoNames[uint8(n)]; ok {
			t[n] = s
		} else {
			t[n] = strconv.Itoa(n)
		}
	}
	return t
}()

// ProtoText is the protocol's name ("tcp"), or its number when it has none.
func ProtoText(p uint8) string { return protoTexts[p] }

// ProtoName is the protocol's name, if it has one.
func ProtoName(p uint8) (string, bool) {
	s, ok := protoNames[p]
	return s, ok
}

// ProtoByName is the protocol number of a name ProtoText gives.
func ProtoByName(s string) (uint8, bool) {
	n, ok := protoByName[s]
	return n, ok
}

// wellKnown maps service ports to the names triage uses.
var wellKnown = []struct {
	port uint16
	name string
}{
	{20, "ftp-data"}, {21, "ftp"}, {22, "ssh"}, {23, "telnet"}, {25, "smtp"}, {53, "dns"},
	{67, "dhcp"}, {68, "dhcp"}, {69, "tftp"}, {80, "http"}, {88, "kerberos"}, {110, "pop3"},
	{111, "rpcbind"}, {123, "ntp"}, {135, "msrpc"}, {137, "netbios"}, {138, "netbios"},
	{139, "netbios"}, {143, "imap"}, {161, "snmp"}, {162, "snmptrap"}, {179, "bgp"},
	{389, "ldap"}, {443, "https"}, {445, "smb"}, {465, "smtps"}, {500, "ike"}, {514, "syslog"},
	{587, "submission"}, {636, "ldaps"}, {873, "rsync"}, {993, "imaps"}, {995, "pop3s"},
	{1433, "mssql"}, {1521, "oracle"}, {1723, "pptp"}, {1883, "mqtt"}, {2049, "nfs"},
	{2181, "zookeeper"}, {2375, "docker"}, {2376, "docker"}, {2379, "etcd"}, {2380, "etcd"},
	{3306, "mysql"}, {3389, "rdp"}, {4500, "ipsec-nat"}, {5432, "postgres"}, {5439, "redshift"},
	{5601, "kibana"}, {5671, "amqps"}, {5672, "amqp"}, {5900, "vnc"}, {5984, "couchdb"},
	{6379, "redis"}, {6443, "kubernetes"}, {7001, "weblogic"}, {8080, "http-alt"},
	{8443, "https-alt"}, {9000, "http-alt"}, {9042, "cassandra"}, {9092, "kafka"},
	{9200, "elasticsearch"}, {9300, "elasticsearch"}, {10250, "kubelet"}, {11211, "memcached"},
	{27017, "mongodb"},
}

// serviceNames[i] is the name of service code i (0 = none); servicePort
// gives a port's code. Codes are small so a record's service fits a byte.
var serviceNames, servicePort = func() ([]string, *[65536]uint8) {
	names := []string{""}
	idx := map[string]uint8{}
	var byPort [65536]uint8
	for _, w := range wellKnown {
		c, ok := idx[w.name]
		if !ok {
			c = uint8(len(names))
			names = append(names, w.name)
			idx[w.name] = c
		}
		byPort[w.port] = c
	}
	return names, &byPort
}()

// ServiceCode is the code of the service a port is known for, 0 for none.
func ServiceCode(port uint16) uint8 { return servicePort[port] }

// ServiceText is the name of service code c ("" for 0).
func ServiceText(c uint8) string {
	if int(c) < len(serviceNames) {
		return serviceNames[c]
	}
	return ""
}

// PortService is the name of the service a port is known for, if any.
func PortService(port uint16) (string, bool) {
	c := servicePort[port]
	return serviceNames[c], c != 0
}

// ServiceByName is the code of a service name ServiceText gives.
func ServiceByName(s string) (uint8, bool) {
	for i, n := range serviceNames {
		if i > 0 && n == s {
			return uint8(i), true
		}
	}
	return 0, false
}
