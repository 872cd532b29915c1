#include "packet/pcap.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "packet/build.h"
#include "packet/tunnel.h"
#include "packet_test_util.h"

namespace nt {
namespace {

using testing::ip4;
using testing::mac;

// A unique file name under the temp directory, removed when the test ends.
class TempFile {
 public:
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/nt_pcap_XXXXXX";
    int fd = mkstemp(tmpl.data());
    if (fd >= 0) close(fd);
    path_ = tmpl;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Pcap, WriteThenReadBack) {
  TempFile f;
  PcapWriter w;
  ASSERT_TRUE(w.open(f.path()).ok());
  Packet a, b;
  ASSERT_TRUE(build_arp_request(a, mac(1), 1, 2));
  ASSERT_TRUE(build_icmp_echo(b, mac(1), mac(2), 3, 4, false, 1, 1));
  ASSERT_TRUE(w.write(a, 1'700'000'000'123'456).ok());
  // The frame is on disk as soon as write() returns, before close.
  PcapReader early;
  ASSERT_TRUE(early.open(f.path()).ok());
  PcapRecord rec;
  auto got = early.next(rec);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got);
  ASSERT_TRUE(w.write(b.data(), b.size(), 1'700'000'001'000'001).ok());
  EXPECT_EQ(w.frames(), 2u);
  w.close();

  PcapReader r;
  ASSERT_TRUE(r.open(f.path()).ok());
  EXPECT_EQ(r.linktype(), kPcapLinkEthernet);
  EXPECT_EQ(r.snaplen(), 65535u);
  ASSERT_TRUE(*r.next(rec));
  EXPECT_EQ(rec.ts_usec, 1'700'000'000'123'456);
  EXPECT_EQ(rec.orig_len, a.size());
  EXPECT_EQ(rec.data, testing::bytes_of(a));
  ASSERT_TRUE(*r.next(rec));
  EXPECT_EQ(rec.ts_usec, 1'700'000'001'000'001);
  EXPECT_EQ(rec.data, testing::bytes_of(b));
  auto end = r.next(rec);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
}

TEST(Pcap, SnaplenTruncatesButKeepsOriginalLength) {
  TempFile f;
  PcapWriter w;
  ASSERT_TRUE(w.open(f.path(), 20).ok());
  Packet b;
  ASSERT_TRUE(build_icmp_echo(b, mac(1), mac(2), 3, 4, false, 1, 1));
  ASSERT_TRUE(w.write(b, 5).ok());
  w.close();
  PcapReader r;
  ASSERT_TRUE(r.open(f.path()).ok());
  PcapRecord rec;
  ASSERT_TRUE(*r.next(rec));
  EXPECT_EQ(rec.data.size(), 20u);
  EXPECT_EQ(rec.orig_len, b.size());
}

TEST(Pcap, Errors) {
  PcapWriter w;
  EXPECT_FALSE(w.write(nullptr, 0, 0).ok());
  EXPECT_FALSE(w.open("/nonexistent-dir/x.pcap").ok());
  PcapReader r;
  EXPECT_FALSE(r.open("/nonexistent-dir/x.pcap").ok());
  TempFile f;
  {
    std::FILE* fp = std::fopen(f.path().c_str(), "wb");
    std::fputs("this is not a pcap file at all", fp);
    std::fclose(fp);
  }
  auto st = r.open(f.path());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("not a pcap"), std::string::npos);
  // A writer never truncates a file that is not a capture.
  auto refused = w.open(f.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message,
            f.path() + ": exists and is not a pcap file; refusing to overwrite it");
  ASSERT_EQ(truncate(f.path().c_str(), 0), 0);
  // A record cut short.
  ASSERT_TRUE(w.open(f.path()).ok());
  Packet b;
  ASSERT_TRUE(build_arp_request(b, mac(1), 1, 2));
  ASSERT_TRUE(w.write(b, 0).ok());
  w.close();
  ASSERT_EQ(truncate(f.path().c_str(), 24 + 16 + 10), 0);
  ASSERT_TRUE(r.open(f.path()).ok());
  PcapRecord rec;
  EXPECT_FALSE(r.next(rec).ok());
}

TEST(Pcap, ReadsSwappedAndNanosecondFiles) {
  TempFile f;
  const uint8_t file[] = {0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
                          0xff, 0, 0, 0, 1,
                          // big-endian nanosecond magic, then one 2-byte record at 1 s + 5000 ns
                          0, 0, 0, 1, 0, 0, 0x13, 0x88, 0, 0, 0, 2, 0, 0, 0, 2, 0xab, 0xcd};
  std::FILE* fp = std::fopen(f.path().c_str(), "wb");
  std::fwrite(file, 1, sizeof file, fp);
  std::fclose(fp);
  PcapReader r;
  auto st = r.open(f.path());
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(r.linktype(), 1u);
  PcapRecord rec;
  auto got = r.next(rec);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(*got);
  EXPECT_EQ(rec.ts_usec, 1'000'005);
  EXPECT_EQ(rec.data, (std::vector<uint8_t>{0xab, 0xcd}));
}

std::string run(const std::string& cmd) {
  std::string out;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(Pcap, TcpdumpDecodesOurVxlan) {
  if (run("command -v tcpdump").empty()) GTEST_SKIP() << "tcpdump is not installed";
  Packet p;
  ASSERT_TRUE(build_icmp_echo(p, mac(0xfa163e000001), mac(0xfa163e000002), ip4(10, 0, 0, 3),
                              ip4(10, 0, 0, 4), false, 1, 1));
  TunnelEncap e;
  e.eth_src = mac(0x020000000a01);
  e.eth_dst = mac(0x020000000a02);
  e.ip_src = ip4(192, 168, 100, 1);
  e.ip_dst = ip4(192, 168, 100, 2);
  e.key = 100;
  ASSERT_TRUE(vxlan_encap(p, e));
  TempFile f;
  PcapWriter w;
  ASSERT_TRUE(w.open(f.path()).ok());
  ASSERT_TRUE(w.write(p, 1'700'000'000'000'000).ok());
  std::string out = run("tcpdump -nn -e -r " + f.path() + " 2>&1");
  EXPECT_NE(out.find("VXLAN"), std::string::npos) << out;
  EXPECT_NE(out.find("vni 100"), std::string::npos) << out;
  EXPECT_NE(out.find("ICMP echo request"), std::string::npos) << out;
  EXPECT_NE(out.find("192.168.100.1"), std::string::npos) << out;
  EXPECT_NE(out.find("10.0.0.3 > 10.0.0.4"), std::string::npos) << out;
  EXPECT_NE(out.find("fa:16:3e:00:00:01"), std::string::npos) << out;
}

}  // namespace
}  // namespace nt
