/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * irq: interrupt numbers, priorities and handlers of the STM32F405 port.
 *
 * Priorities use the four bits that the STM32F4 implements, all of them
 * preemption priority (no sub-priority). Lower is more urgent. The order
 * follows how long each source can wait: a Logic-bus character every 20 us,
 * a CAN receive FIFO of three frames, the transmit mailboxes, the ADC ring
 * of 8 ms, and last the 1 ms tick, which only counts. The firmware tick
 * itself runs in thread mode, below every interrupt.
 */
#ifndef IRQ_H
#define IRQ_H

/* device interrupt numbers (vector = 16 + number) */
#define IRQ_CAN1_TX 19u
#define IRQ_CAN1_RX0 20u
#define IRQ_CAN1_SCE 22u
#define IRQ_USART2 38u
#define IRQ_DMA2_STREAM0 56u
#define IRQ_COUNT 82u

#define PRIO_FAULTS 0u     /* MemManage, BusFault, UsageFault */
#define PRIO_USART2 1u     /* Logic bus */
#define PRIO_CAN_RX 2u
#define PRIO_CAN_TX 3u
#define PRIO_CAN_SCE 3u
#define PRIO_ADC_DMA 4u
#define PRIO_SYSTICK 5u

/* handlers; each driver defines its own, startup.c the rest */
void reset_isr(void);
void fault_isr(void);
void systick_isr(void);
void can1_tx_isr(void);
void can1_rx0_isr(void);
void can1_sce_isr(void);
void usart2_isr(void);
void dma2_stream0_isr(void);

#endif
