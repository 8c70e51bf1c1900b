/* Insole wire protocol, version 1: C99 reference implementation. See fp_protocol.h. */
#include "fp_protocol.h"

#include <string.h>

uint16_t fp_crc16(const uint8_t *data, size_t len, uint16_t crc)
{
    size_t i;
    int bit;
    for (i = 0; i < len; i++) {
        crc = (uint16_t)(crc ^ (uint16_t)((uint16_t)data[i] << 8));
        for (bit = 0; bit < 8; bit++) {
            if (crc & 0x8000u) {
                crc = (uint16_t)((uint16_t)(crc << 1) ^ 0x1021u);
            } else {
                crc = (uint16_t)(crc << 1);
            }
        }
    }
    return crc;
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
    p[2] = (uint8_t)((v >> 16) & 0xFFu);
    p[3] = (uint8_t)(v >> 24);
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)(p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Writes the header for a payload of `len` bytes already placed at out + 8, and the frame CRC. */
static size_t finish_frame(uint8_t *out, uint8_t type, size_t len)
{
    uint16_t crc;
    out[0] = FP_SYNC0;
    out[1] = FP_SYNC1;
    out[2] = FP_VERSION;
    out[3] = type;
    put_u16(out + 4, (uint16_t)len);
    put_u16(out + 6, fp_crc16(out, 6, 0xFFFFu));
    crc = fp_crc16(out, FP_HEADER_SIZE + len, 0xFFFFu);
    put_u16(out + FP_HEADER_SIZE + len, crc);
    return FP_OVERHEAD + len;
}

size_t fp_encode_info(uint8_t *out, size_t cap, const fp_device_info *info)
{
    uint8_t *p = out + FP_HEADER_SIZE;
    uint32_t scale_bits;
    size_t layout_len = info->layout ? info->layout_len : 0u;
    size_t len = 24u + layout_len;
    size_t i;
    if (layout_len > FP_MAX_TEXT || cap < FP_OVERHEAD + len) {
        return 0;
    }
    if (info->sensor_count < 1u || info->sensor_count > FP_MAX_SENSORS || info->adc_bits > 16u) {
        return 0;
    }
    if (info->side > FP_SIDE_BOTH && info->side != FP_SIDE_UNKNOWN) {
        return 0;
    }
    for (i = 0; i < layout_len; i++) {
        if ((unsigned char)info->layout[i] > 0x7Fu) {
            return 0;
        }
    }
    put_u32(p, info->device_id);
    p[4] = info->fw_major;
    p[5] = info->fw_minor;
    put_u16(p + 6, info->fw_patch);
    p[8] = info->side;
    p[9] = info->unit;
    p[10] = info->adc_bits;
    p[11] = 0;
    put_u16(p + 12, info->sensor_count);
    put_u16(p + 14, 0);
    put_u32(p + 16, info->rate_mhz);
    memcpy(&scale_bits, &info->scale, sizeof scale_bits); /* IEEE 754 binary32 assumed */
    put_u32(p + 20, scale_bits);
    if (layout_len) {
        memcpy(p + 24, info->layout, layout_len);
    }
    return finish_frame(out, FP_TYPE_DEVICE_INFO, len);
}

size_t fp_encode_sample(uint8_t *out, size_t cap, uint16_t seq, uint8_t side, uint8_t flags,
                        uint32_t t_us, const uint16_t *values, uint16_t n_values)
{
    uint8_t *p = out + FP_HEADER_SIZE;
    size_t len = 8u + 2u * (size_t)n_values;
    uint16_t i;
    if (n_values < 1u || n_values > FP_MAX_SENSORS || side > FP_SIDE_RIGHT) {
        return 0;
    }
    if (cap < FP_OVERHEAD + len) {
        return 0;
    }
    put_u16(p, seq);
    p[2] = side;
    p[3] = flags;
    put_u32(p + 4, t_us);
    for (i = 0; i < n_values; i++) {
        put_u16(p + 8 + 2u * i, values[i]);
    }
    return finish_frame(out, FP_TYPE_SAMPLE, len);
}

size_t fp_encode_status(uint8_t *out, size_t cap, uint16_t code, uint8_t severity,
                        uint8_t command, uint32_t t_us, const char *text, size_t text_len)
{
    uint8_t *p = out + FP_HEADER_SIZE;
    size_t len;
    if (!text) {
        text_len = 0;
    }
    len = 8u + text_len;
    if (text_len > FP_MAX_TEXT || cap < FP_OVERHEAD + len) {
        return 0;
    }
    put_u16(p, code);
    p[2] = severity;
    p[3] = command;
    put_u32(p + 4, t_us);
    if (text_len) {
        memcpy(p + 8, text, text_len);
    }
    return finish_frame(out, FP_TYPE_STATUS, len);
}

size_t fp_encode_command(uint8_t *out, size_t cap, uint8_t command, uint32_t rate_mhz)
{
    uint8_t *p = out + FP_HEADER_SIZE;
    size_t len = (command == FP_CMD_SET_RATE) ? 6u : 2u;
    if (cap < FP_OVERHEAD + len) {
        return 0;
    }
    p[0] = command;
    p[1] = 0;
    if (command == FP_CMD_SET_RATE) {
        put_u32(p + 2, rate_mhz);
    }
    return finish_frame(out, FP_TYPE_COMMAND, len);
}

/* ---- parser ----------------------------------------------------------------------------- */

void fp_parser_init(fp_parser *p, uint8_t *buf, size_t cap)
{
    p->buf = buf;
    p->cap = cap;
    p->len = 0;
    p->pending = 0;
    p->offset = 0;
}

static void drop(fp_parser *p, size_t n)
{
    memmove(p->buf, p->buf + n, p->len - n);
    p->len -= n;
    p->offset += (uint32_t)n;
}

static void settle(fp_parser *p)
{
    if (p->pending) {
        drop(p, p->pending);
        p->pending = 0;
    }
}

size_t fp_parser_feed(fp_parser *p, const uint8_t *data, size_t len)
{
    size_t room;
    settle(p);
    room = p->cap - p->len;
    if (len > room) {
        len = room;
    }
    memcpy(p->buf + p->len, data, len);
    p->len += len;
    return len;
}

static int length_ok(uint8_t type, uint16_t len)
{
    switch (type) {
    case FP_TYPE_DEVICE_INFO:
        return len >= 24u && len <= 24u + FP_MAX_TEXT;
    case FP_TYPE_SAMPLE:
        return len >= 10u && len <= FP_MAX_PAYLOAD && (len % 2u) == 0u;
    case FP_TYPE_STATUS:
        return len >= 8u && len <= 8u + FP_MAX_TEXT;
    case FP_TYPE_COMMAND:
        return len >= 2u && len <= 6u;
    default:
        return -1;
    }
}

static int error_event(fp_parser *p, fp_event *ev, fp_event_kind kind)
{
    ev->kind = kind;
    ev->offset = p->offset;
    ev->skipped = 1;
    drop(p, 1); /* discard the sync byte and look again (§6) */
    return 1;
}

int fp_parser_next(fp_parser *p, fp_event *ev, int at_end)
{
    size_t i;
    uint16_t len;
    size_t size;
    int ok;
    settle(p);
    memset(ev, 0, sizeof *ev);
    if (p->len == 0) {
        return 0;
    }
    /* find the next sync pair */
    for (i = 0; i + 1 < p->len; i++) {
        if (p->buf[i] == FP_SYNC0 && p->buf[i + 1] == FP_SYNC1) {
            break;
        }
    }
    if (i + 1 >= p->len) {
        /* no sync: keep a trailing first sync byte unless the stream has ended */
        i = (!at_end && p->buf[p->len - 1] == FP_SYNC0) ? p->len - 1 : p->len;
    }
    if (i > 0) {
        ev->kind = FP_EV_GARBAGE;
        ev->offset = p->offset;
        ev->skipped = (uint32_t)i;
        drop(p, i);
        return 1;
    }
    if (p->len < FP_HEADER_SIZE) {
        if (at_end) {
            ev->kind = FP_EV_TRUNCATED;
            ev->offset = p->offset;
            ev->skipped = (uint32_t)p->len;
            drop(p, p->len);
            return 1;
        }
        return 0;
    }
    if (fp_crc16(p->buf, 6, 0xFFFFu) != get_u16(p->buf + 6)) {
        return error_event(p, ev, FP_EV_BAD_HEADER);
    }
    if (p->buf[2] != FP_VERSION) {
        return error_event(p, ev, FP_EV_UNSUPPORTED_VERSION);
    }
    len = get_u16(p->buf + 4);
    ok = length_ok(p->buf[3], len);
    if (ok < 0) {
        return error_event(p, ev, FP_EV_UNKNOWN_TYPE);
    }
    if (!ok) {
        return error_event(p, ev, FP_EV_BAD_LENGTH);
    }
    size = FP_OVERHEAD + (size_t)len;
    if (size > p->cap) {
        return error_event(p, ev, FP_EV_TOO_LONG);
    }
    if (p->len < size) {
        if (at_end) {
            return error_event(p, ev, FP_EV_TRUNCATED);
        }
        return 0;
    }
    if (fp_crc16(p->buf, size - 2u, 0xFFFFu) != get_u16(p->buf + size - 2u)) {
        return error_event(p, ev, FP_EV_CRC_MISMATCH);
    }
    ev->kind = FP_EV_FRAME;
    ev->offset = p->offset;
    ev->type = p->buf[3];
    ev->payload = p->buf + FP_HEADER_SIZE;
    ev->payload_len = len;
    p->pending = size;
    return 1;
}

/* ---- payload decoders ---------------------------------------------------------------------- */

int fp_decode_command(const uint8_t *payload, size_t len, fp_command *out)
{
    if (len < 2u) {
        return -1;
    }
    out->command = payload[0];
    out->rate_mhz = 0;
    if (payload[0] == FP_CMD_SET_RATE) {
        if (len != 6u) {
            return -1;
        }
        out->rate_mhz = get_u32(payload + 2);
        return 0;
    }
    return len == 2u ? 0 : -1;
}

int fp_decode_sample(const uint8_t *payload, size_t len, fp_sample_header *out, uint16_t *values,
                     size_t max_values)
{
    size_t i;
    if (len < 10u || (len % 2u) != 0u || len > FP_MAX_PAYLOAD) {
        return -1;
    }
    out->seq = get_u16(payload);
    out->side = payload[2];
    out->flags = payload[3];
    out->t_us = get_u32(payload + 4);
    out->n_values = (uint16_t)((len - 8u) / 2u);
    if (out->side > FP_SIDE_RIGHT) {
        return -1;
    }
    if (values) {
        for (i = 0; i < out->n_values && i < max_values; i++) {
            values[i] = get_u16(payload + 8u + 2u * i);
        }
    }
    return 0;
}

static int valid_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t extra;
        uint32_t cp;
        size_t k;
        if (c < 0x80u) {
            i++;
            continue;
        }
        if (c >= 0xC2u && c <= 0xDFu) {
            extra = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0u && c <= 0xEFu) {
            extra = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0u && c <= 0xF4u) {
            extra = 3;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        if (i + extra >= n) {
            return 0; /* the sequence runs past the end */
        }
        for (k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xC0u) != 0x80u) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((extra == 2 && cp < 0x800u) || (extra == 3 && cp < 0x10000u) || cp > 0x10FFFFu ||
            (cp >= 0xD800u && cp <= 0xDFFFu)) {
            return 0;
        }
        i += extra + 1;
    }
    return 1;
}

int fp_decode_status(const uint8_t *payload, size_t len, fp_status *out)
{
    if (len < 8u || len > 8u + FP_MAX_TEXT) {
        return -1;
    }
    out->code = get_u16(payload);
    out->severity = payload[2];
    out->command = payload[3];
    out->t_us = get_u32(payload + 4);
    out->text = payload + 8;
    out->text_len = len - 8u;
    return valid_utf8(out->text, out->text_len) ? 0 : -1;
}

int fp_decode_info(const uint8_t *payload, size_t len, fp_device_info *out)
{
    uint32_t scale_bits;
    size_t i;
    if (len < 24u || len > 24u + FP_MAX_TEXT) {
        return -1;
    }
    out->device_id = get_u32(payload);
    out->fw_major = payload[4];
    out->fw_minor = payload[5];
    out->fw_patch = get_u16(payload + 6);
    out->side = payload[8];
    out->unit = payload[9];
    out->adc_bits = payload[10];
    out->sensor_count = get_u16(payload + 12);
    out->rate_mhz = get_u32(payload + 16);
    scale_bits = get_u32(payload + 20);
    memcpy(&out->scale, &scale_bits, sizeof scale_bits);
    out->layout = (const char *)(payload + 24);
    out->layout_len = len - 24u;
    if (out->side > FP_SIDE_BOTH && out->side != FP_SIDE_UNKNOWN) {
        return -1;
    }
    if (out->sensor_count < 1u || out->sensor_count > FP_MAX_SENSORS || out->adc_bits > 16u) {
        return -1;
    }
    for (i = 0; i < out->layout_len; i++) {
        if (payload[24 + i] > 0x7Fu) {
            return -1;
        }
    }
    return 0;
}
