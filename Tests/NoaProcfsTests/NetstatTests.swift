import NoaProcfs
import Testing

@Suite struct NetstatTests {
    /// Captured from /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6 on the Debian 12 VM.
    static let netstat = #"""
TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled PAWSActive PAWSEstab BeyondWindow TSEcrRejected PAWSOldAck PAWSTimewait DelayedACKs DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail TCPSackRecoveryFail TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPSackShifted TCPSackMerged TCPSackShiftFallback TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail TCPMTUPSuccess TCPDelivered TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop TCPRcvQDrop TCPWqueueTooBig TCPFastOpenPassiveAltKey TcpTimeoutRehash TcpDuplicateDataRehash TCPDSACKRecvSegs TCPDSACKIgnoredDubious TCPMigrateReqSuccess TCPMigrateReqFailure TCPPLBRehash TCPAORequired TCPAOBad TCPAOKeyNotFound TCPAOGood TCPAODroppedIcmps
TcpExt: 0 0 0 0 0 0 0 0 0 0 28 0 0 0 0 0 0 0 0 0 0 0 0 0 3 96 26 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 2 0 0 0 0 0 1 0 0 0 0 2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 823 0 0 0 0 0 0 0 0 0 0 0 0 2 0 1 133 133 2 0 179 0 0 0 0 0 0 0 0 0 0 0 0 0 0 209 0 0 0 0 0 0 2 0 0 0 0 0 0 0 0 0 0 0
IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps
IpExt: 0 0 0 0 0 0 53072956 189205 0 0 0 0 0 1287 0 0 0 0
MPTcpExt: MPCapableSYNRX MPCapableSYNTX MPCapableSYNACKRX MPCapableACKRX MPCapableFallbackACK MPCapableFallbackSYNACK MPCapableSYNTXDrop MPCapableSYNTXDisabled MPCapableEndpAttempt MPFallbackTokenInit MPTCPRetrans MPJoinNoTokenFound MPJoinSynRx MPJoinSynBackupRx MPJoinSynAckRx MPJoinSynAckBackupRx MPJoinSynAckHMacFailure MPJoinAckRx MPJoinAckHMacFailure MPJoinRejected MPJoinSynTx MPJoinSynTxCreatSkErr MPJoinSynTxBindErr MPJoinSynTxConnectErr DSSNotMatching DSSCorruptionFallback DSSCorruptionReset InfiniteMapTx InfiniteMapRx DSSNoMatchTCP DataCsumErr OFOQueueTail OFOQueue OFOMerge NoDSSInWindow DuplicateData AddAddr AddAddrTx AddAddrTxDrop EchoAdd EchoAddTx EchoAddTxDrop PortAdd AddAddrDrop MPJoinPortSynRx MPJoinPortSynAckRx MPJoinPortAckRx MismatchPortSynRx MismatchPortAckRx RmAddr RmAddrDrop RmAddrTx RmAddrTxDrop RmSubflow MPPrioTx MPPrioRx MPFailTx MPFailRx MPFastcloseTx MPFastcloseRx MPRstTx MPRstRx SubflowStale SubflowRecover SndWndShared RcvWndShared RcvWndConflictUpdate RcvWndConflict MPCurrEstab Blackhole MPCapableDataFallback MD5SigFallback DssFallback SimultConnectFallback FallbackFailed WinProbe
MPTcpExt: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
"""#
    static let snmp = #"""
Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits
Ip: 2 64 1287 0 0 0 0 0 1287 837 0 0 0 0 0 0 0 0 0 837
Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks OutAddrMaskReps
Icmp: 1 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
IcmpMsg: InType3
IcmpMsg: 1
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Tcp: 1 200 120000 -1 32 20 1 0 0 1261 812 0 0 5 0
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 25 0 0 26 0 0 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 0 0 0 0 0 0 0 0 0
"""#
    static let snmp6 = #"""
Ip6InReceives                   	1
Ip6InHdrErrors                  	0
Ip6InTooBigErrors               	0
Ip6InNoRoutes                   	0
Ip6InAddrErrors                 	0
Ip6InUnknownProtos              	0
Ip6InTruncatedPkts              	0
Ip6InDiscards                   	0
Ip6InDelivers                   	1
Ip6OutForwDatagrams             	0
Ip6OutRequests                  	10
Ip6OutDiscards                  	0
Ip6OutNoRoutes                  	0
Ip6ReasmTimeout                 	0
Ip6ReasmReqds                   	0
Ip6ReasmOKs                     	0
Ip6ReasmFails                   	0
Ip6FragOKs                      	0
Ip6FragFails                    	0
Ip6FragCreates                  	0
Ip6InMcastPkts                  	0
Ip6OutMcastPkts                 	8
Ip6InOctets                     	128
Ip6OutOctets                    	880
Ip6InMcastOctets                	0
Ip6OutMcastOctets               	672
Ip6InBcastOctets                	0
Ip6OutBcastOctets               	0
Ip6InNoECTPkts                  	1
Ip6InECT1Pkts                   	0
Ip6InECT0Pkts                   	0
Ip6InCEPkts                     	0
Ip6OutTransmits                 	10
Icmp6InMsgs                     	1
Icmp6InErrors                   	1
Icmp6OutMsgs                    	9
Icmp6OutErrors                  	0
Icmp6InCsumErrors               	0
Icmp6OutRateLimitHost           	0
Icmp6InDestUnreachs             	1
Icmp6InPktTooBigs               	0
Icmp6InTimeExcds                	0
Icmp6InParmProblems             	0
Icmp6InEchos                    	0
Icmp6InEchoReplies              	0
Icmp6InGroupMembQueries         	0
Icmp6InGroupMembResponses       	0
Icmp6InGroupMembReductions      	0
Icmp6InRouterSolicits           	0
Icmp6InRouterAdvertisements     	0
Icmp6InNeighborSolicits         	0
Icmp6InNeighborAdvertisements   	0
Icmp6InRedirects                	0
Icmp6InMLDv2Reports             	0
Icmp6OutDestUnreachs            	1
Icmp6OutPktTooBigs              	0
Icmp6OutTimeExcds               	0
Icmp6OutParmProblems            	0
Icmp6OutEchos                   	0
Icmp6OutEchoReplies             	0
Icmp6OutGroupMembQueries        	0
Icmp6OutGroupMembResponses      	0
Icmp6OutGroupMembReductions     	0
Icmp6OutRouterSolicits          	0
Icmp6OutRouterAdvertisements    	0
Icmp6OutNeighborSolicits        	4
Icmp6OutNeighborAdvertisements  	0
Icmp6OutRedirects               	0
Icmp6OutMLDv2Reports            	4
Icmp6InType1                    	1
Icmp6OutType1                   	1
Icmp6OutType135                 	4
Icmp6OutType143                 	4
Udp6InDatagrams                 	0
Udp6NoPorts                     	0
Udp6InErrors                    	0
Udp6OutDatagrams                	0
Udp6RcvbufErrors                	0
Udp6SndbufErrors                	0
Udp6InCsumErrors                	0
Udp6IgnoredMulti                	0
Udp6MemErrors                   	0
UdpLite6InDatagrams             	0
UdpLite6NoPorts                 	0
UdpLite6InErrors                	0
UdpLite6OutDatagrams            	0
UdpLite6RcvbufErrors            	0
UdpLite6SndbufErrors            	0
UdpLite6InCsumErrors            	0
UdpLite6MemErrors               	0
"""#

    static func value(_ counters: [NetstatCounter], _ proto: String, _ field: String) -> Double? {
        counters.first { $0.proto == proto && $0.field == field }?.value
    }

    @Test func parsesCapturedNetstat() throws {
        let counters = try Netstat.parsePaired(Self.netstat)
        #expect(Self.value(counters, "TcpExt", "ListenDrops") == 0)
        #expect(Self.value(counters, "IpExt", "InOctets") == 53072956)
        #expect(Set(counters.map(\.proto)).isSuperset(of: ["TcpExt", "IpExt"]))
    }

    @Test func parsesCapturedSNMPWithSignedValues() throws {
        let counters = try Netstat.parsePaired(Self.snmp, file: "/proc/net/snmp")
        #expect(Self.value(counters, "Ip", "Forwarding") == 2)
        #expect(Self.value(counters, "Tcp", "MaxConn") == -1)
        #expect(Self.value(counters, "Udp", "InDatagrams") == 25)
    }

    @Test func parsesCapturedSNMP6() throws {
        let counters = try Netstat.parseSNMP6(Self.snmp6)
        #expect(counters.count == 90)
        #expect(Self.value(counters, "Ip6", "InOctets") == 128)
        #expect(Self.value(counters, "Icmp6", "InMsgs") != nil)
        #expect(Self.value(counters, "UdpLite6", "InErrors") != nil)
    }

    @Test(arguments: [
        "Tcp: A B\n",
        "Tcp: A B\nTcp: 1\n",
        "Tcp: A B\nUdp: 1 2\n",
        "Tcp: A B\nTcp: 1 x\n",
        "Tcp A B\nTcp 1 2\n",
    ])
    func rejectsMalformedPairs(_ text: String) {
        #expect(throws: ParseError.self) { try Netstat.parsePaired(text) }
    }

    /// The light path a collector takes once it knows a file's headers: line pairs without splitting, then only
    /// the wanted values, agreeing with `parsePaired` on the captured files.
    @Test func linePairsAndSelectedValuesAgreeWithTheFullParse() throws {
        for (text, file) in [(Self.netstat, "/proc/net/netstat"), (Self.snmp, "/proc/net/snmp")] {
            let full = try Netstat.parsePaired(text, file: file)
            let sections = try Netstat.sections(text, file: file)
            #expect(sections.count >= 2, "\(file): the captured file has several sections to compare")
            do {
                let bytes = Array(("\n  \n" + text).utf8)
                let pairs = Netstat.linePairs(bytes)
                #expect(pairs.count == sections.count)
                for (section, pair) in zip(sections, pairs) {
                    #expect(String(decoding: bytes[pair.header], as: UTF8.self)
                        == section.headerLine)
                    let wanted = Array(stride(from: 0, to: section.names.count, by: 3))
                    let values = try Netstat.values(
                        bytes, line: pair.values, at: wanted, fieldCount: section.names.count + 1, file: file,
                        lineNumber: pair.valueLine)
                    for (k, value) in zip(wanted, values) {
                        #expect(value == Self.value(full, String(section.proto), String(section.names[k])))
                    }
                    #expect(pair.valueLine == section.valueLine + 2)  // two leading lines added above
                }
            }
        }
    }

    @Test func selectedValuesCheckTheLine() {
        func values(_ line: String, _ indices: [Int]) throws(ParseError) -> [Double] {
            let bytes = Array(line.utf8)
            return try Netstat.values(bytes, line: 0..<bytes.count, at: indices, fieldCount: 4, file: "f", lineNumber: 2)
        }
        #expect(throws: ParseError.self) { try values("Tcp: 1 2", [0]) }
        #expect(throws: ParseError.self) { try values("Tcp: 1 x 3", [1]) }
        #expect((try? values("Tcp: 1 x 3", [0, 2])) == [1, 3])
        #expect((try? values("Tcp:\t-1  18446744073709551615 2.5", [0, 1, 2])) == [-1, Double(UInt64.max), 2.5])
    }

    @Test(arguments: ["Ip6InOctets\n", "Ip6InOctets 1 2\n", "IpInOctets 1\n", "Ip6InOctets x\n"])
    func rejectsMalformedSNMP6(_ text: String) {
        #expect(throws: ParseError.self) { try Netstat.parseSNMP6(text) }
    }
}
