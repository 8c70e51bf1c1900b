/*
 * Test harness for the C reference: reads one request per line on stdin, answers on stdout.
 * Used by the test suite to check the golden vectors against the C code (built with gcc there).
 *
 *   crc HEX
 *   encode_sample SEQ SIDE FLAGS T_US V1 [V2 ...]
 *   encode_info DEVICE_ID MAJOR MINOR PATCH SIDE UNIT ADC_BITS SENSORS RATE_MHZ SCALE LAYOUT|-
 *   encode_status CODE SEVERITY COMMAND T_US TEXT_HEX|-
 *   encode_command CODE RATE_MHZ
 *   decode HEX        -> "frame ..." / "error KIND OFFSET" lines, then "end"
 */
#include "fp_protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 200000

static uint8_t frame_buf[FP_MAX_FRAME];
static uint8_t parse_buf[65536];
static uint8_t data[65536];
static char line[LINE_MAX_BYTES];

static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned int byte;
    while (hex[0] && hex[1] && n < cap && sscanf(hex, "%2x", &byte) == 1) {
        out[n++] = (uint8_t)byte;
        hex += 2;
    }
    return n;
}

static void print_hex(const uint8_t *p, size_t n)
{
    size_t i;
    if (n == 0) {
        printf("-");
    }
    for (i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
}

static void answer_frame(size_t n)
{
    if (n == 0) {
        printf("error\n");
    } else {
        print_hex(frame_buf, n);
        printf("\n");
    }
}

static const char *kind_name(fp_event_kind kind)
{
    switch (kind) {
    case FP_EV_GARBAGE:
        return "garbage";
    case FP_EV_BAD_HEADER:
        return "bad_header";
    case FP_EV_UNSUPPORTED_VERSION:
        return "unsupported_version";
    case FP_EV_UNKNOWN_TYPE:
        return "unknown_type";
    case FP_EV_BAD_LENGTH:
        return "bad_length";
    case FP_EV_CRC_MISMATCH:
        return "crc_mismatch";
    case FP_EV_TRUNCATED:
        return "truncated";
    case FP_EV_TOO_LONG:
        return "too_long";
    case FP_EV_FRAME:
    default:
        return "frame";
    }
}

static void print_frame(const fp_event *ev)
{
    static uint16_t values[FP_MAX_SENSORS];
    fp_sample_header sample;
    fp_status status;
    fp_command command;
    fp_device_info info;
    uint16_t i;
    int bad = 0;
    switch (ev->type) {
    case FP_TYPE_SAMPLE:
        bad = fp_decode_sample(ev->payload, ev->payload_len, &sample, values, FP_MAX_SENSORS);
        if (!bad) {
            printf("frame sample %u %u %u %lu ", sample.seq, sample.side, sample.flags,
                   (unsigned long)sample.t_us);
            for (i = 0; i < sample.n_values; i++) {
                printf(i ? ",%u" : "%u", values[i]);
            }
            printf("\n");
        }
        break;
    case FP_TYPE_STATUS:
        bad = fp_decode_status(ev->payload, ev->payload_len, &status);
        if (!bad) {
            printf("frame status %u %u %u %lu ", status.code, status.severity, status.command,
                   (unsigned long)status.t_us);
            print_hex(status.text, status.text_len);
            printf("\n");
        }
        break;
    case FP_TYPE_COMMAND:
        bad = fp_decode_command(ev->payload, ev->payload_len, &command);
        if (!bad) {
            printf("frame command %u %lu\n", command.command, (unsigned long)command.rate_mhz);
        }
        break;
    case FP_TYPE_DEVICE_INFO:
        bad = fp_decode_info(ev->payload, ev->payload_len, &info);
        if (!bad) {
            printf("frame info %lu %u %u %u %u %u %u %u %lu %.9g ", (unsigned long)info.device_id,
                   info.fw_major, info.fw_minor, info.fw_patch, info.side, info.unit,
                   info.adc_bits, info.sensor_count, (unsigned long)info.rate_mhz,
                   (double)info.scale);
            print_hex((const uint8_t *)info.layout, info.layout_len);
            printf("\n");
        }
        break;
    default:
        bad = 1;
        break;
    }
    if (bad) {
        printf("error malformed_payload %lu\n", (unsigned long)ev->offset);
    }
}

static void decode(const char *hex)
{
    fp_parser parser;
    fp_event ev;
    size_t n = from_hex(hex, data, sizeof data);
    int at_end;
    fp_parser_init(&parser, parse_buf, sizeof parse_buf);
    fp_parser_feed(&parser, data, n);
    for (at_end = 0; at_end <= 1; at_end++) {
        while (fp_parser_next(&parser, &ev, at_end)) {
            if (ev.kind == FP_EV_FRAME) {
                print_frame(&ev);
            } else {
                printf("error %s %lu\n", kind_name(ev.kind), (unsigned long)ev.offset);
            }
        }
    }
    printf("end\n");
}

int main(void)
{
    static uint16_t values[FP_MAX_SENSORS + 1u]; /* one more, to test the encoder refuses it */
    while (fgets(line, sizeof line, stdin)) {
        char *cmd = strtok(line, " \n");
        if (!cmd) {
            continue;
        }
        if (strcmp(cmd, "crc") == 0) {
            char *hex = strtok(NULL, " \n");
            size_t n = hex ? from_hex(hex, data, sizeof data) : 0u;
            printf("%04x\n", fp_crc16(data, n, 0xFFFFu));
        } else if (strcmp(cmd, "encode_sample") == 0) {
            unsigned long seq = strtoul(strtok(NULL, " \n"), NULL, 10);
            unsigned long side = strtoul(strtok(NULL, " \n"), NULL, 10);
            unsigned long flags = strtoul(strtok(NULL, " \n"), NULL, 10);
            unsigned long t_us = strtoul(strtok(NULL, " \n"), NULL, 10);
            uint16_t n = 0;
            char *tok;
            while ((tok = strtok(NULL, " \n")) != NULL && n <= FP_MAX_SENSORS) {
                values[n++] = (uint16_t)strtoul(tok, NULL, 10);
            }
            answer_frame(fp_encode_sample(frame_buf, sizeof frame_buf, (uint16_t)seq,
                                          (uint8_t)side, (uint8_t)flags, (uint32_t)t_us, values,
                                          n));
        } else if (strcmp(cmd, "encode_info") == 0) {
            fp_device_info info;
            char *layout;
            info.device_id = (uint32_t)strtoul(strtok(NULL, " \n"), NULL, 10);
            info.fw_major = (uint8_t)strtoul(strtok(NULL, " \n"), NULL, 10);
            info.fw_minor = (uint8_t)strtoul(strtok(NULL, " \n"), NULL, 10);
            info.fw_patch = (uint16_t)strtoul(strtok(NULL, " \n"), NULL, 10);
            info.side = (uint8_t)strtoul(strtok(NULL, " \n"), NULL, 10);
            info.unit = (uint8_t)strtoul(strtok(NULL, " \n"), NULL, 10);
            info.adc_bits = (uint8_t)strtoul(strtok(NULL, " \n"), NULL, 10);
            info.sensor_count = (uint16_t)strtoul(strtok(NULL, " \n"), NULL, 10);
            info.rate_mhz = (uint32_t)strtoul(strtok(NULL, " \n"), NULL, 10);
            info.scale = strtof(strtok(NULL, " \n"), NULL);
            layout = strtok(NULL, " \n");
            info.layout = (layout && strcmp(layout, "-") != 0) ? layout : NULL;
            info.layout_len = info.layout ? strlen(layout) : 0u;
            answer_frame(fp_encode_info(frame_buf, sizeof frame_buf, &info));
        } else if (strcmp(cmd, "encode_status") == 0) {
            unsigned long code = strtoul(strtok(NULL, " \n"), NULL, 10);
            unsigned long severity = strtoul(strtok(NULL, " \n"), NULL, 10);
            unsigned long command = strtoul(strtok(NULL, " \n"), NULL, 10);
            unsigned long t_us = strtoul(strtok(NULL, " \n"), NULL, 10);
            char *text_hex = strtok(NULL, " \n");
            size_t text_len = 0;
            if (text_hex && strcmp(text_hex, "-") != 0) {
                text_len = from_hex(text_hex, data, sizeof data);
            }
            answer_frame(fp_encode_status(frame_buf, sizeof frame_buf, (uint16_t)code,
                                          (uint8_t)severity, (uint8_t)command, (uint32_t)t_us,
                                          (const char *)data, text_len));
        } else if (strcmp(cmd, "encode_command") == 0) {
            unsigned long code = strtoul(strtok(NULL, " \n"), NULL, 10);
            unsigned long rate = strtoul(strtok(NULL, " \n"), NULL, 10);
            answer_frame(fp_encode_command(frame_buf, sizeof frame_buf, (uint8_t)code,
                                           (uint32_t)rate));
        } else if (strcmp(cmd, "decode") == 0) {
            char *hex = strtok(NULL, " \n");
            decode(hex ? hex : "");
        } else {
            printf("unknown request %s\n", cmd);
        }
        fflush(stdout);
    }
    return 0;
}
