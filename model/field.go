package model

import (
	"strings"
)

// FieldID names one flow-log field. Known fields have fixed ids in AWS table
// order; fields a format names but flowtail does not know get opaque ids
// from FieldOpaque0 on, so a custom format never fails for a newer field.
type FieldID uint8

// The known fields, in the order of the AWS field table.
const (
	FieldNone FieldID = iota
	// Version 2 (the default format).
	FieldVersion
	FieldAccountID
	FieldInterfaceID
	FieldSrcAddr
	FieldDstAddr
	FieldSrcPort
	FieldDstPort
	FieldProtocol
	FieldPackets
	FieldBytes
	FieldStart
	FieldEnd
	FieldAction
	FieldLogStatus
	// Version 3.
	FieldVPCID
	FieldSubnetID
	FieldInstanceID
	FieldTCPFlags
	FieldType
	FieldPktSrcAddr
	FieldPktDstAddr
	// Version 4.
	FieldRegion
	FieldAZID
	FieldSublocationType
	FieldSublocationID
	// Version 5.
	FieldPktSrcAWSService
	FieldPktDstAWSService
	FieldFlowDirection
	FieldTrafficPath
	// Version 7 (ECS).
	FieldECSClusterARN
	FieldECSClusterName
	FieldECSContainerInstanceARN
	FieldECSContainerInstanceID
	FieldECSContainerID
	FieldECSSecondContainerID
	FieldECSServiceName
	FieldECSTaskDefinitionARN
	FieldECSTaskARN
	FieldECSTaskID
	// Version 8.
	FieldRejectReason
	// Newer fields whose version AWS text does not pin down.
	FieldResourceID
	FieldEncryptionStatus
	// Transit Gateway flow logs (version 6).
	FieldResourceType
	FieldTGWID
	FieldTGWAttachmentID
	FieldTGWSrcVPCAccountID
	FieldTGWDstVPCAccountID
	FieldTGWSrcVPCID
	FieldTGWDstVPCID
	FieldTGWSrcSubnetID
	FieldTGWDstSubnetID
	FieldTGWSrcENI
	FieldTGWDstENI
	FieldTGWSrcAZID
	FieldTGWDstAZID
	FieldTGWPairAttachmentID
	FieldPacketsLostNoRoute
	FieldPacketsLostBlackhole
	FieldPacketsLostMTUExceeded
	FieldPacketsLostTTLExpired

	fieldKnownEnd
)

// FieldOpaque0 is the first id of the field names a format holds that
// flowtail does not know: FieldOpaque0+k is the k-th such name of the
// record's own format (Format.Name spells it), so formats never share or
// exhaust a process-wide list. MaxOpaque such names fit in one format.
const (
	FieldOpaque0 FieldID = 64
	MaxOpaque            = 16
	fieldIDEnd           = FieldOpaque0 + MaxOpaque
)

// Kind says how a field's value is stored and compared.
type Kind uint8

const (
	KindString Kind = iota // interned text
	KindInt                // unsigned number
	KindAddr               // IPv4 or IPv6 address
	KindEnum               // action or log-status
)

type fieldInfo struct {
	name    string // the AWS spelling, as in ${name}
	camel   string // the spelling CloudWatch Logs Insights shows
	version uint8
	kind    Kind
}

var fieldTable = [fieldKnownEnd]fieldInfo{
	FieldVersion:                 {"version", "version", 2, KindInt},
	FieldAccountID:               {"account-id", "accountId", 2, KindString},
	FieldInterfaceID:             {"interface-id", "interfaceId", 2, KindString},
	FieldSrcAddr:                 {"srcaddr", "srcAddr", 2, KindAddr},
	FieldDstAddr:                 {"dstaddr", "dstAddr", 2, KindAddr},
	FieldSrcPort:                 {"srcport", "srcPort", 2, KindInt},
	FieldDstPort:                 {"dstport", "dstPort", 2, KindInt},
	FieldProtocol:                {"protocol", "protocol", 2, KindInt},
	FieldPackets:                 {"packets", "packets", 2, KindInt},
	FieldBytes:                   {"bytes", "bytes", 2, KindInt},
	FieldStart:                   {"start", "start", 2, KindInt},
	FieldEnd:                     {"end", "end", 2, KindInt},
	FieldAction:                  {"action", "action", 2, KindEnum},
	FieldLogStatus:               {"log-status", "logStatus", 2, KindEnum},
	FieldVPCID:                   {"vpc-id", "vpcId", 3, KindString},
	FieldSubnetID:                {"subnet-id", "subnetId", 3, KindString},
	FieldInstanceID:              {"instance-id", "instanceId", 3, KindString},
	FieldTCPFlags:                {"tcp-flags", "tcpFlags", 3, KindInt},
	FieldType:                    {"type", "type", 3, KindString},
	FieldPktSrcAddr:              {"pkt-srcaddr", "pktSrcAddr", 3, KindAddr},
	FieldPktDstAddr:              {"pkt-dstaddr", "pktDstAddr", 3, KindAddr},
	FieldRegion:                  {"region", "region", 4, KindString},
	FieldAZID:                    {"az-id", "azId", 4, KindString},
	FieldSublocationType:         {"sublocation-type", "sublocationType", 4, KindString},
	FieldSublocationID:           {"sublocation-id", "sublocationId", 4, KindString},
	FieldPktSrcAWSService:        {"pkt-src-aws-service", "pktSrcAwsService", 5, KindString},
	FieldPktDstAWSService:        {"pkt-dst-aws-service", "pktDstAwsService", 5, KindString},
	FieldFlowDirection:           {"flow-direction", "flowDirection", 5, KindString},
	FieldTrafficPath:             {"traffic-path", "trafficPath", 5, KindInt},
	FieldECSClusterARN:           {"ecs-cluster-arn", "ecsClusterArn", 7, KindString},
	FieldECSClusterName:          {"ecs-cluster-name", "ecsClusterName", 7, KindString},
	FieldECSContainerInstanceARN: {"ecs-container-instance-arn", "ecsContainerInstanceArn", 7, KindString},
	FieldECSContainerInstanceID:  {"ecs-container-instance-id", "ecsContainerInstanceId", 7, KindString},
	FieldECSContainerID:          {"ecs-container-id", "ecsContainerId", 7, KindString},
	FieldECSSecondContainerID:    {"ecs-second-container-id", "ecsSecondContainerId", 7, KindString},
	FieldECSServiceName:          {"ecs-service-name", "ecsServiceName", 7, KindString},
	FieldECSTaskDefinitionARN:    {"ecs-task-definition-arn", "ecsTaskDefinitionArn", 7, KindString},
	FieldECSTaskARN:              {"ecs-task-arn", "ecsTaskArn", 7, KindString},
	FieldECSTaskID:               {"ecs-task-id", "ecsTaskId", 7, KindString},
	FieldRejectReason:            {"reject-reason", "rejectReason", 8, KindString},
	FieldResourceID:              {"resource-id", "resourceId", 0, KindString},
	FieldEncryptionStatus:        {"encryption-status", "encryptionStatus", 0, KindInt},
	FieldResourceType:            {"resource-type", "resourceType", 6, KindString},
	FieldTGWID:                   {"tgw-id", "tgwId", 6, KindString},
	FieldTGWAttachmentID:         {"tgw-attachment-id", "tgwAttachmentId", 6, KindString},
	FieldTGWSrcVPCAccountID:      {"tgw-src-vpc-account-id", "tgwSrcVpcAccountId", 6, KindString},
	FieldTGWDstVPCAccountID:      {"tgw-dst-vpc-account-id", "tgwDstVpcAccountId", 6, KindString},
	FieldTGWSrcVPCID:             {"tgw-src-vpc-id", "tgwSrcVpcId", 6, KindString},
	FieldTGWDstVPCID:             {"tgw-dst-vpc-id", "tgwDstVpcId", 6, KindString},
	FieldTGWSrcSubnetID:          {"tgw-src-subnet-id", "tgwSrcSubnetId", 6, KindString},
	FieldTGWDstSubnetID:          {"tgw-dst-subnet-id", "tgwDstSubnetId", 6, KindString},
	FieldTGWSrcENI:               {"tgw-src-eni", "tgwSrcEni", 6, KindString},
	FieldTGWDstENI:               {"tgw-dst-eni", "tgwDstEni", 6, KindString},
	FieldTGWSrcAZID:              {"tgw-src-az-id", "tgwSrcAzId", 6, KindString},
	FieldTGWDstAZID:              {"tgw-dst-az-id", "tgwDstAzId", 6, KindString},
	FieldTGWPairAttachmentID:     {"tgw-pair-attachment-id", "tgwPairAttachmentId", 6, KindString},
	FieldPacketsLostNoRoute:      {"packets-lost-no-route", "packetsLostNoRoute", 6, KindInt},
	FieldPacketsLostBlackhole:    {"packets-lost-blackhole", "packetsLostBlackhole", 6, KindInt},
	FieldPacketsLostMTUExceeded:  {"packets-lost-mtu-exceeded", "packetsLostMtuExceeded", 6, KindInt},
	FieldPacketsLostTTLExpired:   {"packets-lost-ttl-expired", "packetsLostTtlExpired", 6, KindInt},
}

// PacketsLost lists the Transit Gateway loss counters, in AWS order.
var PacketsLost = [4]FieldID{FieldPacketsLostNoRoute, FieldPacketsLostBlackhole, FieldPacketsLostMTUExceeded, FieldPacketsLostTTLExpired}

// KnownFields lists every field flowtail knows, in AWS table order.
func KnownFields() []FieldID {
	out := make([]FieldID, 0, fieldKnownEnd-1)
	for id := FieldVersion; id < fieldKnownEnd; id++ {
		out = append(out, id)
	}
	return out
}

// Name is the AWS spelling of a known field (the ${name} token). An
// opaque id has no name of its own: Format.Name spells it.
func (id FieldID) Name() string {
	if id.Known() {
		return fieldTable[id].name
	}
	return ""
}

// Camel is the spelling CloudWatch Logs Insights uses for discovered fields.
func (id FieldID) Camel() string {
	if id.Known() {
		return fieldTable[id].camel
	}
	return ""
}

// Kind says how the field's values are stored.
func (id FieldID) Kind() Kind {
	if id.Known() {
		return fieldTable[id].kind
	}
	return KindString
}

// Version is the flow-log version that introduced the field (0 when unknown).
func (id FieldID) Version() int {
	if id.Known() {
		return int(fieldTable[id].version)
	}
	return 0
}

// Known reports whether the field is one of the documented ones.
func (id FieldID) Known() bool { return id > FieldNone && id < fieldKnownEnd }

// Opaque reports whether the field is an unknown name kept as text.
func (id FieldID) Opaque() bool { return id >= FieldOpaque0 && id < fieldIDEnd }

func (id FieldID) String() string { return id.Name() }

// foldName folds the spellings users type into one key: "dstPort",
// "dstport", "dst-port" and "dst_port" all become "dstport".
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '_':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

var fieldByFolded = func() map[string]FieldID {
	m := make(map[string]FieldID, 2*int(fieldKnownEnd))
	for id := FieldVersion; id < fieldKnownEnd; id++ {
		m[foldName(fieldTable[id].name)] = id
		m[foldName(fieldTable[id].camel)] = id
	}
	return m
}()

// LookupField finds a known field by any of its spellings (AWS,
// camelCase, underscores as in Parquet), case-insensitively. Names a
// format holds that flowtail does not know are found with Format.Lookup.
func LookupField(name string) (FieldID, bool) {
	id, ok := fieldByFolded[foldName(name)]
	return id, ok
}

// LookupFieldBytes is LookupField for a name in bytes, without allocating
// (decoders call it per key of every record).
func LookupFieldBytes(name []byte) (FieldID, bool) {
	var buf [48]byte
	n := 0
	for _, c := range name {
		switch {
		case c == '-' || c == '_':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == len(buf) {
			return FieldNone, false // longer than any known name
		}
		buf[n] = c
		n++
	}
	id, ok := fieldByFolded[string(buf[:n])]
	return id, ok
}

// FoldName is the key under which two spellings of one name are equal
// ("dstPort", "dst-port", "dst_port" and "DSTPORT" fold alike).
func FoldName(s string) string { return foldName(s) }

// camelName writes an unknown name in the camelCase style of the known
// ones: "next-hop-type" and "next_hop_type" become "nextHopType".
func camelName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	up := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '_' {
			up = b.Len() > 0
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b.WriteByte(c)
	}
	return b.String()
}

// TransitGatewayOnly reports whether the field exists only in Transit
// Gateway flow logs.
func (id FieldID) TransitGatewayOnly() bool { return id.Known() && fieldTable[id].version == 6 }

// TransitGateway reports whether a record comes from a Transit Gateway
// flow log: version 6, or carrying any Transit Gateway field.
func TransitGateway(f *Flow, x *Ext) bool {
	if f.Has(FieldVersion) && f.Version == 6 {
		return true
	}
	if x == nil || !f.HasExt() {
		return false
	}
	for id := FieldResourceType; id <= FieldPacketsLostTTLExpired; id++ {
		if x.Has(id) {
			return true
		}
	}
	return false
}

// AppliesTo reports whether a field belongs to the kind of flow log a
// record is: the Transit Gateway field set (the fields of its default
// format) for a Transit Gateway record, the VPC fields otherwise.
func (id FieldID) AppliesTo(transitGateway bool) bool {
	if transitGateway {
		return DefaultTGWFormat.Has(id)
	}
	return !id.TransitGatewayOnly()
}
