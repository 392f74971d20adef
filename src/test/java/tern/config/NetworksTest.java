package tern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The default mynetworks, on a made-up machine shaped like the one Postfix 3.7 was observed on. */
class NetworksTest {
    private static MachineDefaults.Address a(String addr, int prefix) throws UnknownHostException {
        return new MachineDefaults.Address(InetAddress.getByName(addr), prefix);
    }

    private static List<MachineDefaults.Address> machine() throws UnknownHostException {
        return List.of(a("127.0.0.1", 8), a("::1", 128), a("192.0.2.2", 24), a("fd00::2", 64),
                a("fe80::fc:ff:fe00:1", 64), a("172.16.5.9", 12));
    }

    private static final boolean[] ALL = {true, true};

    @Test
    void stylesAsPostfixPrintsThem() throws Exception {
        // Postfix 3.7 on such a host: 127.0.0.0/8 192.0.2.0/24 [::1]/128 [fd00::]/64 [fe80::]/64
        assertThat(Networks.compute("subnet", "all", ALL, machine()))
                .isEqualTo("127.0.0.0/8 192.0.2.0/24 172.16.0.0/12 [::1]/128 [fd00::]/64 [fe80::]/64");
        assertThat(Networks.compute("host", "all", ALL, machine()))
                .isEqualTo("127.0.0.1/32 192.0.2.2/32 172.16.5.9/32 [::1]/128 [fd00::2]/128 [fe80::fc:ff:fe00:1]/128");
        assertThat(Networks.compute("class", "all", ALL, machine()))
                .isEqualTo("127.0.0.0/8 192.0.2.0/24 172.16.0.0/16 [::1]/128 [fd00::]/64 [fe80::]/64");
    }

    @Test
    void interfacesAndProtocolsSelect() throws Exception {
        assertThat(Networks.compute("subnet", "all", new boolean[] {true, false}, machine()))
                .isEqualTo("127.0.0.0/8 192.0.2.0/24 172.16.0.0/12");
        assertThat(Networks.compute("subnet", "127.0.0.1", ALL, machine())).isEqualTo("127.0.0.0/8");
        assertThat(Networks.compute("subnet", "loopback-only", ALL, machine())).isEqualTo("127.0.0.0/8 [::1]/128");
        assertThat(Networks.compute("host", "192.0.2.2, [fd00::2]", ALL, machine()))
                .isEqualTo("192.0.2.2/32 [fd00::2]/128");
        assertThat(Networks.compute("subnet", "192.0.2.2 fd00::2", ALL, machine())).isEqualTo("192.0.2.0/24 [fd00::]/64");
        assertThatThrownBy(() -> Networks.compute("subnet", "10.9.9.9", ALL, machine()))
                .hasMessage("parameter inet_interfaces: no local interface found for 10.9.9.9");
    }

    @Test
    void badValuesInPostfixWords() {
        assertThatThrownBy(() -> Networks.checkStyle("bogus"))
                .hasMessage("unknown mynetworks mask style value \"bogus\" in \"bogus\"");
        assertThatThrownBy(() -> Networks.protocols("ipv5"))
                .hasMessage("unknown inet_protocols value \"ipv5\" in \"ipv5\"");
    }

    @Test
    void ipv6TextIsRfc5952() throws Exception {
        assertThat(Networks.ipv6Text(InetAddress.getByName("2001:db8:0:0:1:0:0:1").getAddress()))
                .isEqualTo("2001:db8::1:0:0:1");
        assertThat(Networks.ipv6Text(InetAddress.getByName("2001:db8:0:1:1:1:1:1").getAddress()))
                .isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(Networks.ipv6Text(new byte[16])).isEqualTo("::");
        assertThat(Networks.network(InetAddress.getByName("fe80::fc:ff:fe00:1"), 64)).isEqualTo("[fe80::]/64");
    }

    @Test
    void thisMachinesInterfacesAreReadOnceAndIncludeLoopback() {
        List<MachineDefaults.Address> here = MachineDefaults.interfaces();
        assertThat(here).isSameAs(MachineDefaults.interfaces());
        assertThat(here).anyMatch(x -> x.address().isLoopbackAddress());
    }
}
