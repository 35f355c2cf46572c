// Which encoding a response takes, from the Accept header, as kube-apiserver's negotiation
// (k8s.io/apiserver/pkg/endpoints/handlers/negotiation) picks it: the first media type in the
// header that the server can write. client-go's typed clients send
// `application/vnd.kubernetes.protobuf, */*` (or `...,application/json`), and for a watch
// `application/vnd.kubernetes.protobuf;stream=watch`; kubectl sends JSON (and Tables, which stay
// JSON, as kube's do: tableNegotiation.ts answers those first). A kind without protobuf falls
// back to the next type the client accepts, or is a 406 if there is none.
import { notAcceptable } from '../../registry/errors.js';
import { protobufContentType } from './envelope.js';

export interface AcceptedMedia {
  /** Protobuf comes before any JSON the header accepts. */
  protobufFirst: boolean;
  /** Something other than protobuf is acceptable too (JSON, YAML, a wildcard, or no header). */
  otherwise: boolean;
}

const json: AcceptedMedia = { protobufFirst: false, otherwise: true };
const memo = new Map<string, AcceptedMedia>();
let last: { accept: string; media: AcceptedMedia } = { accept: '', media: json };

function parse(accept: string): AcceptedMedia {
  let protobufFirst = false;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';');
    // Tables and partial metadata are another conversation (tableNegotiation.ts).
    if (params.some((p) => p.trim().startsWith('as='))) continue;
    const media = type.trim().toLowerCase();
    if (media === protobufContentType) protobufFirst = true;
    else if (media === 'application/json' || media === 'application/yaml' || media === '*/*' || media === 'application/*') {
      return { protobufFirst, otherwise: true };
    }
  }
  return { protobufFirst, otherwise: !protobufFirst };
}

/** The Accept header's verdict, remembered per header (clients send the same one every time). */
export function acceptedMedia(accept: string | undefined): AcceptedMedia {
  if (!accept) return json;
  // A header arrives as a fresh string: comparing it with the last one is cheaper than hashing it.
  if (accept === last.accept) return last.media;
  let found = memo.get(accept);
  if (!found) {
    found = parse(accept);
    if (memo.size > 1000) memo.clear();
    memo.set(accept, found);
  }
  last = { accept, media: found };
  return found;
}

/**
 * Whether to answer in protobuf: the client prefers it and the kind has a message. A kind without
 * one is answered in JSON when the client accepts anything else, and is kube's 406 otherwise.
 */
export function answersInProtobuf<M>(accept: string | undefined, message: M | undefined): message is M {
  const media = acceptedMedia(accept);
  if (!media.protobufFirst) return false;
  if (message !== undefined) return true;
  if (media.otherwise) return false;
  throw notAcceptable('only the following media types are accepted: application/json, application/yaml');
}
