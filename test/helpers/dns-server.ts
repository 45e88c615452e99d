// A small authoritative DNS responder on 127.0.0.1 (UDP) for tests that need real name resolution under their
// control: names set with `answer` get A/AAAA records with a TTL, names set with `silence` are never answered
// (a dead DNS), every other name gets NXDOMAIN. Point a resolver at `address` (e.g. WEBHOOK_DNS_SERVERS).
import dgram from 'node:dgram';
import net from 'node:net';

export interface DnsTestServer {
  /** "127.0.0.1:PORT", the form WEBHOOK_DNS_SERVERS and dns.Resolver#setServers take. */
  address: string;
  /** Answers `name` with these addresses (A for IPv4, AAAA for IPv6; the other type gets an empty answer). */
  answer(name: string, addresses: string[], ttlSeconds?: number): void;
  /** Receives queries for `name` and never answers them. */
  silence(name: string): void;
  /** Queries received for `name` (any type), including unanswered ones. */
  queriesFor(name: string): number;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

interface Question {
  name: string;
  type: number;
  /** Byte offset just past the question (type and class included). */
  end: number;
}

function readQuestion(packet: Buffer): Question | null {
  if (packet.length < 12 || packet.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let offset = 12;
  while (offset < packet.length) {
    const length = packet[offset]!;
    if (length === 0) break;
    if (length > 63) return null; // compression is never used in a query's first question
    labels.push(packet.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  if (offset + 5 > packet.length) return null;
  return { name: labels.join('.').toLowerCase(), type: packet.readUInt16BE(offset + 1), end: offset + 5 };
}

function addressBytes(address: string): Buffer {
  if (net.isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = address.includes('::') ? [...groups(head), ...Array(missing).fill('0'), ...groups(tail)] : groups(address);
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

function buildResponse(query: Buffer, question: Question, rcode: number, records: Array<{ type: number; ttl: number; data: Buffer }>): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const recursionDesired = query[2]! & 0x01;
  header[2] = 0x80 | 0x04 | recursionDesired; // QR, AA, RD copied
  header[3] = 0x80 | rcode; // RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((record) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // name: pointer to the question's name
    fixed.writeUInt16BE(record.type, 2);
    fixed.writeUInt16BE(1, 4); // IN
    fixed.writeUInt32BE(record.ttl, 6);
    fixed.writeUInt16BE(record.data.length, 10);
    return Buffer.concat([fixed, record.data]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

export async function startDnsServer(): Promise<DnsTestServer> {
  const zone = new Map<string, { addresses: string[]; ttl: number }>();
  const silent = new Set<string>();
  const counts = new Map<string, number>();
  const socket = dgram.createSocket('udp4');

  socket.on('message', (packet, from) => {
    const question = readQuestion(packet);
    if (!question) return;
    counts.set(question.name, (counts.get(question.name) ?? 0) + 1);
    if (silent.has(question.name)) return;
    const entry = zone.get(question.name);
    let response: Buffer;
    if (!entry) {
      response = buildResponse(packet, question, 3, []); // NXDOMAIN
    } else {
      const family = question.type === TYPE_A ? 4 : question.type === TYPE_AAAA ? 6 : 0;
      const records = entry.addresses.filter((a) => net.isIP(a) === family).map((a) => ({ type: question.type, ttl: entry.ttl, data: addressBytes(a) }));
      response = buildResponse(packet, question, 0, records); // an empty NOERROR answer is "no data of this type"
    }
    socket.send(response, from.port, from.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });

  return {
    address: `127.0.0.1:${socket.address().port}`,
    answer(name, addresses, ttlSeconds = 60) {
      silent.delete(name.toLowerCase());
      zone.set(name.toLowerCase(), { addresses, ttl: ttlSeconds });
    },
    silence(name) {
      zone.delete(name.toLowerCase());
      silent.add(name.toLowerCase());
    },
    queriesFor: (name) => counts.get(name.toLowerCase()) ?? 0,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
