/*
 * Insole wire protocol, version 1: C99 reference encoder, CRC, frame parser and payload decoders.
 *
 * Portable: no heap, no Arduino headers, no floating point except to copy the f32 `scale` field.
 * The normative text is ../PROTOCOL.md; section numbers below refer to it.
 *
 * Firmware typically uses: fp_encode_info, fp_encode_sample, fp_encode_status to send, and
 * fp_parser_* with fp_decode_command to receive host commands.
 */
#ifndef FP_PROTOCOL_H
#define FP_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FP_SYNC0 0xA5u
#define FP_SYNC1 0x5Au
#define FP_VERSION 1u
#define FP_HEADER_SIZE 8u
#define FP_OVERHEAD 10u /* header + frame CRC */
#define FP_MAX_SENSORS 4096u
#define FP_MAX_TEXT 64u
#define FP_MAX_PAYLOAD (8u + 2u * FP_MAX_SENSORS)
#define FP_MAX_FRAME (FP_OVERHEAD + FP_MAX_PAYLOAD)
#define FP_SAMPLE_FRAME_SIZE(n) (FP_OVERHEAD + 8u + 2u * (n))
#define FP_COMMAND_FRAME_MAX 16u /* the largest frame a device must be able to receive */

/* message types (§3) */
#define FP_TYPE_DEVICE_INFO 0x01u
#define FP_TYPE_SAMPLE 0x02u
#define FP_TYPE_STATUS 0x03u
#define FP_TYPE_COMMAND 0x10u

/* sides (§4.1, §4.2) */
#define FP_SIDE_LEFT 0u
#define FP_SIDE_RIGHT 1u
#define FP_SIDE_BOTH 2u
#define FP_SIDE_UNKNOWN 255u

/* units (§4.1) */
#define FP_UNIT_ADC_COUNTS 0u
#define FP_UNIT_KPA 1u
#define FP_UNIT_NEWTON 2u
#define FP_UNIT_N_PER_CM2 3u

/* sample flags (§4.2) */
#define FP_FLAG_DEVICE_OVERRUN 0x01u
#define FP_FLAG_SATURATED 0x02u

/* commands (§4.4) */
#define FP_CMD_START 0x01u
#define FP_CMD_STOP 0x02u
#define FP_CMD_REQUEST_INFO 0x03u
#define FP_CMD_SET_RATE 0x04u
#define FP_CMD_TARE 0x05u

/* status codes (§4.3) */
#define FP_STATUS_OK 0x0000u
#define FP_STATUS_UNKNOWN_COMMAND 0x0001u
#define FP_STATUS_BAD_ARGUMENT 0x0002u
#define FP_STATUS_NOT_READY 0x0003u
#define FP_STATUS_OVERRUN 0x0010u
#define FP_STATUS_SATURATION 0x0011u
#define FP_STATUS_SENSOR_FAULT 0x0012u
#define FP_STATUS_LOW_BATTERY 0x0020u
#define FP_STATUS_BOOT 0x00FFu

#define FP_SEVERITY_INFO 0u
#define FP_SEVERITY_WARNING 1u
#define FP_SEVERITY_ERROR 2u

/* CRC-16/CCITT-FALSE over data, continuing from crc (start a frame with 0xFFFF). */
uint16_t fp_crc16(const uint8_t *data, size_t len, uint16_t crc);

typedef struct {
    uint32_t device_id;
    uint8_t fw_major;
    uint8_t fw_minor;
    uint16_t fw_patch;
    uint8_t side;
    uint8_t unit;
    uint8_t adc_bits;
    uint16_t sensor_count;
    uint32_t rate_mhz;
    float scale;
    const char *layout; /* ASCII, at most FP_MAX_TEXT bytes; may be NULL */
    size_t layout_len;
} fp_device_info;

/*
 * Encoders write one whole frame into out[0..cap) and return its size in bytes,
 * or 0 when cap is too small or an argument is out of range (nothing useful is written then).
 */
size_t fp_encode_info(uint8_t *out, size_t cap, const fp_device_info *info);
size_t fp_encode_sample(uint8_t *out, size_t cap, uint16_t seq, uint8_t side, uint8_t flags,
                        uint32_t t_us, const uint16_t *values, uint16_t n_values);
size_t fp_encode_status(uint8_t *out, size_t cap, uint16_t code, uint8_t severity,
                        uint8_t command, uint32_t t_us, const char *text, size_t text_len);
/* rate_mhz is used by FP_CMD_SET_RATE only */
size_t fp_encode_command(uint8_t *out, size_t cap, uint8_t command, uint32_t rate_mhz);

/* ---- receiving (§6) ------------------------------------------------------------------------ */

typedef enum {
    FP_EV_FRAME = 0,          /* a frame passed both CRCs: type, payload, payload_len */
    FP_EV_GARBAGE,            /* `skipped` bytes before the next sync were discarded */
    FP_EV_BAD_HEADER,         /* the kinds of PROTOCOL.md §7 */
    FP_EV_UNSUPPORTED_VERSION,
    FP_EV_UNKNOWN_TYPE,
    FP_EV_BAD_LENGTH,
    FP_EV_CRC_MISMATCH,
    FP_EV_TRUNCATED,
    FP_EV_TOO_LONG            /* a valid header announcing a frame larger than this parser's buffer */
} fp_event_kind;

typedef struct {
    fp_event_kind kind;
    uint32_t offset;        /* stream offset of the frame (or of the skipped bytes) */
    uint8_t type;           /* FP_EV_FRAME: message type */
    const uint8_t *payload; /* FP_EV_FRAME: valid until the next call on the parser */
    uint16_t payload_len;
    uint32_t skipped;       /* FP_EV_GARBAGE: how many bytes */
} fp_event;

typedef struct {
    uint8_t *buf;     /* caller's buffer: FP_MAX_FRAME bytes for any frame, */
    size_t cap;       /* FP_COMMAND_FRAME_MAX is enough for a device reading commands */
    size_t len;
    size_t pending;   /* bytes of the last delivered frame, dropped on the next call */
    uint32_t offset;  /* stream offset of buf[0] */
} fp_parser;

void fp_parser_init(fp_parser *p, uint8_t *buf, size_t cap);
/* Append bytes; returns how many fitted (call fp_parser_next until it returns 0, then feed more). */
size_t fp_parser_feed(fp_parser *p, const uint8_t *data, size_t len);
/*
 * Take the next event; returns 1 with *ev filled, or 0 when more bytes are needed.
 * With at_end != 0 the stream has ended: a frame still incomplete is reported as truncated.
 */
int fp_parser_next(fp_parser *p, fp_event *ev, int at_end);

/* ---- payload decoders: 0 on success, -1 when the payload breaks §4 (malformed) ---------- */

typedef struct {
    uint8_t command;
    uint32_t rate_mhz; /* SET_RATE only */
} fp_command;

typedef struct {
    uint16_t seq;
    uint8_t side;
    uint8_t flags;
    uint32_t t_us;
    uint16_t n_values;
} fp_sample_header;

typedef struct {
    uint16_t code;
    uint8_t severity;
    uint8_t command;
    uint32_t t_us;
    const uint8_t *text; /* points into the payload */
    size_t text_len;
} fp_status;

int fp_decode_command(const uint8_t *payload, size_t len, fp_command *out);
/* values (if not NULL) receives up to max_values values */
int fp_decode_sample(const uint8_t *payload, size_t len, fp_sample_header *out, uint16_t *values,
                     size_t max_values);
int fp_decode_status(const uint8_t *payload, size_t len, fp_status *out);
/* layout points into the payload */
int fp_decode_info(const uint8_t *payload, size_t len, fp_device_info *out);

#ifdef __cplusplus
}
#endif

#endif /* FP_PROTOCOL_H */
