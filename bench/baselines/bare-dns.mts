// Baseline for `dns`: a bare Node UDP server that decodes each query with dns-packet and answers
// one fixed A record, encoded with dns-packet. No lookup, no EDNS, no truncation: the ceiling of
// dgram plus the wire library on this machine.
// Run: node --import tsx bench/baselines/bare-dns.mts
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

const socket = dgram.createSocket('udp4');
socket.on('message', (message, peer) => {
  try {
    const query = dnsPacket.decode(message);
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: query.questions,
      answers: [{ name: query.questions?.[0]?.name ?? '.', type: 'A', ttl: 30, data: '10.96.0.10' }],
    });
    socket.send(reply, peer.port, peer.address);
  } catch {}
});
socket.bind(0, '127.0.0.1', () => {
  const { port } = socket.address();
  process.stdout.write(`bare-dns baseline at udp://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => socket.close(() => process.exit(0)));
